// Package outcome is the attack protection that reads Cognito's answers:
// after each forwarded call it classifies the answer (success, wrong
// credentials, unknown user, bad or expired code, throttled, SMS or e-mail
// sent) and counts it per client address, per /24 or /64 network, per
// user of a user pool (an alias such as an e-mail or phone number
// resolved to one user; one name in two pools is two users),
// per (user, source) pair and per SMS calling code and number, as keyed
// hashes only. Before the web ACL runs, the Tracker turns those counts
// into labels (poolguard:outcome:*, poolguard:sms:*) that rules can count,
// challenge or block on: brute force against one user from one source,
// sources failing across many users, SMS budgets, so that an attacker is
// slowed without locking the user she attacks out of her own sign-in.
//
// Stores keep the counts in memory (Memory) or in Redis (redisoutcome),
// shared by every replica; time is an argument of every Store method.
package outcome
