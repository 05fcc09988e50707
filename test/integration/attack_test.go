package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/poolguard/poolguard/internal/edge/server"
	"github.com/poolguard/poolguard/internal/rules/outcome/redisoutcome"
	"github.com/poolguard/poolguard/internal/rules/ratelimit/redisstore"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
	"github.com/poolguard/poolguard/internal/testkit/proxytest"
	"github.com/poolguard/poolguard/internal/testkit/redistest"
)

// attackExtra turns on the attack protection with its defaults, trusting
// the loopback peer's X-Forwarded-For so a test can play many sources.
const attackExtra = `trusted_proxies: [127.0.0.1/32]
waf:
  presets: [cognito-attack-protection]
`

// attackTarget is where a scenario sends its calls: the proxies (round
// robin, as a load balancer would) and the hop that counts what reached
// Cognito.
type attackTarget struct {
	urls []string
	hop  *cognitotest.StrictHop
	app  testApp
	n    int
}

// call sends one Cognito call from ip and returns the status and, for a
// refusal by the proxy, the x-amzn-waf-action header or error type.
func (at *attackTarget) call(t *testing.T, ip, op, body string) (int, string) {
	t.Helper()
	u := at.urls[at.n%len(at.urls)]
	at.n++
	req, _ := http.NewRequest(http.MethodPost, u+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if a := resp.Header.Get("X-Amzn-Waf-Action"); a != "" {
		return resp.StatusCode, a
	}
	return resp.StatusCode, strings.TrimSuffix(resp.Header.Get("X-Amzn-Errortype"), ":")
}

// signIn tries USER_PASSWORD_AUTH for user with password from ip.
func (at *attackTarget) signIn(t *testing.T, ip, user, password string) (int, string) {
	t.Helper()
	return at.call(t, ip, "InitiateAuth", fmt.Sprintf(
		`{"ClientId":%q,"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":%q,"PASSWORD":%q}}`,
		at.app.client.ID, user, password))
}

// reached returns how many calls of op reached Cognito since the hop was
// last reset.
func (at *attackTarget) reached(op string) int {
	n := 0
	for _, r := range at.hop.Requests() {
		if r.Operation == op {
			n++
		}
	}
	return n
}

// realUsers are legitimate users who sign in from their own addresses
// while an attack runs.
type realUsers struct {
	names    []string
	password string
	next     int
	signIns  int
	refused  []string
}

func newRealUsers(t *testing.T, e *cognitoEnv, a testApp, n int) *realUsers {
	t.Helper()
	ru := &realUsers{password: "Real-user-pass-1!"}
	for i := range n {
		name := fmt.Sprintf("real%02d@example.com", i)
		cognitotest.CreateConfirmedUser(t, e.admin, a.pool.ID, name, ru.password, map[string]string{"email": name})
		ru.names = append(ru.names, name)
	}
	return ru
}

// one lets the next real user sign in, now and then after a typo, from her
// own address.
func (ru *realUsers) one(t *testing.T, at *attackTarget) {
	t.Helper()
	i := ru.next % len(ru.names)
	ru.next++
	ip := fmt.Sprintf("172.16.%d.%d", i, 10+i)
	if ru.next%5 == 0 {
		if status, why := at.signIn(t, ip, ru.names[i], "typo-"+ru.password); status != 400 {
			ru.refused = append(ru.refused, fmt.Sprintf("%s typo: %d %s", ru.names[i], status, why))
		}
	}
	ru.signIns++
	if status, why := at.signIn(t, ip, ru.names[i], ru.password); status != 200 {
		ru.refused = append(ru.refused, fmt.Sprintf("%s: %d %s", ru.names[i], status, why))
	}
}

// startAttackScenario starts a pool with email user names (so a user has
// two names: her email and her sub) and the proxies in front of the hop.
func startAttackScenario(t *testing.T, name string, replicas int) (*cognitoEnv, *attackTarget) {
	t.Helper()
	e := startCognito(t)
	a := e.newApp(t, appSpec{name: name, emailUsernames: true})
	return e, &attackTarget{urls: startAttackProxies(t, e, a, attackExtra, replicas), hop: e.hop, app: a}
}

// startAttackProxies starts one proxy with the in-memory store (replicas
// 1), or replicas proxies sharing one redis-server started for the test,
// each with its own Redis client, as separate processes would be; they
// serve a and the more apps.
func startAttackProxies(t *testing.T, e *cognitoEnv, a testApp, extra string, replicas int, more ...testApp) []string {
	t.Helper()
	clients := []clientConfig{a.clientConfig()}
	for _, m := range more {
		clients = append(clients, m.clientConfig())
	}
	if replicas == 1 {
		return []string{startProxy(t, proxyConfig{Upstream: e.hop.URL, Clients: clients, Extra: extra}).URL}
	}
	rd := redistest.Start(t)
	extra += "signals: {key_hash_secret: replicas-share-this-hash-key-0123456789}\n"
	var urls []string
	for range replicas {
		dir := t.TempDir()
		c := proxyConfig{Upstream: e.hop.URL, Clients: clients, Extra: extra}
		cfg := proxytest.Load(t, dir, string(c.yaml(t, dir)))
		client, err := redisstore.NewClient(redisstore.ClientConfig{Addresses: []string{rd.Addr()}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		deps := server.Deps{Outcomes: redisoutcome.New(client, "pg:", nil, true)}
		urls = append(urls, proxytest.Run(t, cfg, proxytest.RunOptions{Deps: deps}).URL)
	}
	return urls
}

// Scenario (a) and (c): 400 wrong passwords for one user from 200
// addresses, each in its own /24, while 40 real users sign in. Few guesses
// reach Cognito (the account is under attack after 10 failures from 3
// sources, and unknown sources then get a challenge), the victim signs in
// from her own address, and no real user is refused.
func TestAttackProtectionManySourcesOneUser(t *testing.T) { scenarioManySourcesOneUser(t, 1) }

// TestAttackProtectionManySourcesOneUserRedis is TestAttackProtectionManySourcesOneUser on two replicas sharing one Redis.
func TestAttackProtectionManySourcesOneUserRedis(t *testing.T) { scenarioManySourcesOneUser(t, 2) }

func scenarioManySourcesOneUser(t *testing.T, replicas int) {
	e, at := startAttackScenario(t, "bruteforce", replicas)
	const victim, password, home = "victim@example.com", "Victim-pass-1!", "192.0.2.10"
	cognitotest.CreateConfirmedUser(t, e.admin, at.app.pool.ID, victim, password, map[string]string{"email": victim})
	ru := newRealUsers(t, e, at.app, 40)
	if status, why := at.signIn(t, home, victim, password); status != 200 {
		t.Fatalf("victim's first sign-in: %d %s", status, why)
	}
	e.hop.Reset()
	refusedGuesses := 0
	for i := range 400 {
		ip := fmt.Sprintf("10.%d.%d.7", i/2/100, i/2%100)
		if status, _ := at.signIn(t, ip, victim, fmt.Sprintf("guess-%03d", i)); status != 400 {
			refusedGuesses++
		}
		if i%10 == 0 {
			ru.one(t, at)
		}
	}
	reached := at.reached("InitiateAuth") - ru.signIns - ru.signIns/5
	status, why := at.signIn(t, home, victim, password)
	newStatus, newWhy := at.signIn(t, "198.51.100.99", victim, password)
	t.Logf("%d replica(s): scenario a: %d of 400 guesses reached Cognito (%d refused); victim from her own IP: %d %s; from a new IP: %d %s", replicas,
		reached, refusedGuesses, status, why, newStatus, newWhy)
	t.Logf("%d replica(s): scenario c: %d real-user sign-ins, %d refused %v", replicas, ru.signIns, len(ru.refused), ru.refused)
	if reached > 25 || reached+refusedGuesses != 400 {
		t.Errorf("%d guesses reached Cognito, want at most 25", reached)
	}
	if status != 200 {
		t.Errorf("the victim is refused from her own IP: %d %s", status, why)
	}
	if newStatus != 202 || newWhy != "challenge" {
		t.Errorf("the victim from a new IP: %d %s, want a challenge (202), never a block", newStatus, newWhy)
	}
	if len(ru.refused) > 0 {
		t.Errorf("real users refused: %v", ru.refused)
	}
}

// Scenario (b) and (c): 60 addresses (each in its own /24) try 15
// different user names each, half of them existing, while real users sign
// in. A source failing for 5 distinct users with no success is suspicious
// and refused, so at most 40% of the tries reach Cognito.
func TestAttackProtectionLowAndSlowStuffing(t *testing.T) { scenarioLowAndSlowStuffing(t, 1) }

// TestAttackProtectionLowAndSlowStuffingRedis is TestAttackProtectionLowAndSlowStuffing on two replicas sharing one Redis.
func TestAttackProtectionLowAndSlowStuffingRedis(t *testing.T) { scenarioLowAndSlowStuffing(t, 2) }

func scenarioLowAndSlowStuffing(t *testing.T, replicas int) {
	e, at := startAttackScenario(t, "stuffing", replicas)
	for i := 0; i < 900; i += 2 {
		name := fmt.Sprintf("leak%03d@example.com", i)
		cognitotest.CreateConfirmedUser(t, e.admin, at.app.pool.ID, name, "Leaked-pass-1!", map[string]string{"email": name})
	}
	ru := newRealUsers(t, e, at.app, 40)
	e.hop.Reset()
	refused := 0
	for k := range 15 {
		for s := range 60 {
			name := fmt.Sprintf("leak%03d@example.com", s*15+k)
			if status, _ := at.signIn(t, fmt.Sprintf("10.%d.%d.9", 100+s/50, s%50), name, "Wrong-guess-9!"); status != 400 {
				refused++
			}
			if s%20 == 0 {
				ru.one(t, at)
			}
		}
	}
	reached := at.reached("InitiateAuth") - ru.signIns - ru.signIns/5
	t.Logf("%d replica(s): scenario b: %d of 900 tries reached Cognito (%.1f%%), %d refused", replicas, reached, float64(reached)*100/900, refused)
	t.Logf("%d replica(s): scenario c: %d real-user sign-ins, %d refused %v", replicas, ru.signIns, len(ru.refused), ru.refused)
	if reached*100 > 40*900 || reached+refused != 900 {
		t.Errorf("%d of 900 tries reached Cognito, want at most 40%%", reached)
	}
	if len(ru.refused) > 0 {
		t.Errorf("real users refused: %v", ru.refused)
	}
}

// Scenario (e): once a sign-in taught the proxy that an email and a sub
// name one user, wrong passwords through either share one brute-force
// counter: 6 through the email and 6 through the sub from one address
// meet the threshold of 10, where per-literal counting would let all 12
// through.
func TestAttackProtectionAliasesShareOneCounter(t *testing.T) { scenarioAliases(t, 1) }

// TestAttackProtectionAliasesShareOneCounterRedis is TestAttackProtectionAliasesShareOneCounter on two replicas sharing one Redis.
func TestAttackProtectionAliasesShareOneCounterRedis(t *testing.T) { scenarioAliases(t, 2) }

func scenarioAliases(t *testing.T, replicas int) {
	e, at := startAttackScenario(t, "aliases", replicas)
	const email, password = "alias@example.com", "Alias-pass-1!"
	cognitotest.CreateConfirmedUser(t, e.admin, at.app.pool.ID, email, password, map[string]string{"email": email})
	sub := e.internalUsername(t, at.app, email)
	if status, why := at.signIn(t, "192.0.2.20", email, password); status != 200 {
		t.Fatalf("sign-in: %d %s", status, why)
	}
	if status, why := at.signIn(t, "192.0.2.21", strings.ToUpper(sub), "Wrong-1!"); status != 400 {
		t.Fatalf("moto does not answer a wrong password for the sub: %d %s", status, why)
	}
	e.hop.Reset()
	refused := 0
	for i := range 12 {
		name := email
		if i%2 == 1 {
			name = sub
		}
		if status, _ := at.signIn(t, "203.0.113.50", name, fmt.Sprintf("Wrong-%d!", i)); status != 400 {
			refused++
		}
	}
	reached := at.reached("InitiateAuth")
	t.Logf("%d replica(s): scenario e: %d of 12 guesses through the email and the sub reached Cognito, %d refused", replicas, reached, refused)
	if reached != 10 || refused != 2 {
		t.Errorf("%d guesses reached Cognito and %d were refused, want 10 and 2 (one counter of 10 for both names)", reached, refused)
	}
}

// Scenario (f): two user pools behind one proxy, the victim in pool A
// and the attacker's own account in pool B under the victim's e-mail.
// The attacker signs in to her account from her address, the victim signs
// in again, then the attacker guesses the victim's password from her
// address: her sign-in was in another pool, so it made
// her address known for no user of pool A (known sources are exempt from
// the brute-force and suspicious-source blocks), and her guesses are
// refused after 10 failures, while the victim still signs in from home.
func TestAttackProtectionOtherPoolSameEmail(t *testing.T) { scenarioOtherPool(t, 1) }

// TestAttackProtectionOtherPoolSameEmailRedis is TestAttackProtectionOtherPoolSameEmail on two replicas sharing one Redis.
func TestAttackProtectionOtherPoolSameEmailRedis(t *testing.T) { scenarioOtherPool(t, 2) }

func scenarioOtherPool(t *testing.T, replicas int) {
	e := startCognito(t)
	a := e.newApp(t, appSpec{name: "victims", emailUsernames: true})
	b := e.newApp(t, appSpec{name: "attackers", emailUsernames: true})
	urls := startAttackProxies(t, e, a, attackExtra, replicas, b)
	victims, attackers := &attackTarget{urls: urls, hop: e.hop, app: a}, &attackTarget{urls: urls, hop: e.hop, app: b}
	const email, password, ownPassword, home, attacker = "target@example.com", "Target-pass-1!", "Attacker-pass-1!", "192.0.2.30", "203.0.113.60"
	cognitotest.CreateConfirmedUser(t, e.admin, a.pool.ID, email, password, map[string]string{"email": email})
	cognitotest.CreateConfirmedUser(t, e.admin, b.pool.ID, email, ownPassword, map[string]string{"email": email})
	if status, why := victims.signIn(t, home, email, password); status != 200 {
		t.Fatalf("the victim's sign-in: %d %s", status, why)
	}
	if status, why := attackers.signIn(t, attacker, email, ownPassword); status != 200 {
		t.Fatalf("the attacker's sign-in to her own account in pool B: %d %s", status, why)
	}
	if status, why := victims.signIn(t, home, email, password); status != 200 {
		t.Fatalf("the victim's next sign-in: %d %s", status, why)
	}
	e.hop.Reset()
	refused := 0
	for i := range 12 {
		if status, _ := victims.signIn(t, attacker, email, fmt.Sprintf("Guess-%d!", i)); status != 400 {
			refused++
		}
	}
	reached := victims.reached("InitiateAuth")
	status, why := victims.signIn(t, home, email, password)
	t.Logf("%d replica(s): scenario f: %d of 12 guesses against pool A after a sign-in to pool B under the same e-mail reached Cognito, %d refused; the victim from home: %d %s",
		replicas, reached, refused, status, why)
	if reached != 10 || refused != 2 {
		t.Errorf("%d guesses reached Cognito and %d were refused, want 10 and 2 (the sign-in in pool B made the address known for no user of pool A)", reached, refused)
	}
	if status != 200 {
		t.Errorf("the victim is refused from home: %d %s", status, why)
	}
}

// Scenario (d): sign-ups with phone numbers until the SMS budgets are
// spent (6 an hour for +33, 10 an hour in all), then refused with a
// Cognito-shaped LimitExceededException, while email sign-ups pass; the
// number of SMS Cognito reports sending is exactly the budget.
func TestAttackProtectionSMSBudget(t *testing.T) { scenarioSMSBudget(t, 1) }

// TestAttackProtectionSMSBudgetRedis is TestAttackProtectionSMSBudget on two replicas sharing one Redis.
func TestAttackProtectionSMSBudgetRedis(t *testing.T) { scenarioSMSBudget(t, 2) }

func scenarioSMSBudget(t *testing.T, replicas int) {
	e := startCognito(t)
	ctx := context.Background()
	pool, err := e.admin.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String("pg-sms-budget"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypePhoneNumber, types.VerifiedAttributeTypeEmail},
		AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
			{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(1)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := testApp{appSpec: appSpec{name: "sms"}, pool: cognitotest.Pool{ID: aws.ToString(pool.UserPool.Id)}, secret: "secret-sms-1c2d3e4f5a6b7c8d"}
	a.client = cognitotest.CreateAppClient(t, e.admin, a.pool.ID, cognitotest.ClientOptions{Name: "app-sms"})
	e.hop.SetSecret(a.client.ID, a.secret)
	urls := startAttackProxies(t, e, a, `trusted_proxies: [127.0.0.1/32]
waf:
  presets: [{name: cognito-attack-protection, params: {SmsPerHour: 10, SmsPerCallingCodeHour: 6, SmsPerDay: 0, SmsPerCallingCodeDay: 0}}]
`, replicas)
	at := &attackTarget{urls: urls, hop: e.hop, app: a}
	hour := time.Now().Unix() / 3600
	signUp := func(i int, attr, value string) (int, string) {
		return at.call(t, fmt.Sprintf("10.77.%d.%d", i/200, i%200+1), "SignUp", fmt.Sprintf(
			`{"ClientId":%q,"Username":"sms-user-%d","Password":"Sms-user-pass-1!","UserAttributes":[{"Name":%q,"Value":%q}]}`,
			a.client.ID, i, attr, value))
	}
	var phoneOK, phoneRefused, emailOK, emailRefused int
	var wrongRefusal []string
	for i := range 30 {
		number := fmt.Sprintf("+336123456%02d", i) // France
		if i >= 15 {
			number = fmt.Sprintf("+4479111234%02d", i) // United Kingdom
		}
		switch status, why := signUp(i, "phone_number", number); {
		case status == 200:
			phoneOK++
		case status == 400 && why == "LimitExceededException":
			phoneRefused++
		default:
			wrongRefusal = append(wrongRefusal, fmt.Sprintf("%s: %d %s", number, status, why))
		}
		if status, _ := signUp(100+i, "email", fmt.Sprintf("sms-user-%d@example.com", i)); status == 200 {
			emailOK++
		} else {
			emailRefused++
		}
	}
	sent := 0
	for _, r := range e.hop.Requests() {
		if r.Operation == "SignUp" && strings.Contains(string(r.Body), "phone_number") {
			sent++
		}
	}
	if time.Now().Unix()/3600 != hour {
		t.Skip("the clock hour changed during the scenario; the hourly budget restarted")
	}
	t.Logf("%d replica(s): scenario d: %d phone sign-ups sent an SMS (budget 10, 6 for +33), %d refused; %d email sign-ups passed, %d refused", replicas,
		sent, phoneRefused, emailOK, emailRefused)
	if phoneOK != 10 || sent != 10 || phoneRefused != 20 || len(wrongRefusal) > 0 {
		t.Errorf("%d phone sign-ups passed (%d reached Cognito), %d refused, other answers %v; want exactly 10, 20 refused", phoneOK, sent, phoneRefused, wrongRefusal)
	}
	if emailOK != 30 {
		t.Errorf("%d of 30 email sign-ups passed", emailOK)
	}
}
