// Package ipsets is the registry of named IP sets behind the web ACL's
// IPSetReferenceStatements: the addresses from config (waf.ip_sets and
// presets) plus runtime additions and removals made through the admin API,
// optionally expiring.
//
// Each set is one *ipset.Set for the registry's whole life; changes swap its
// contents atomically (ipset.Set.Replace), so a compiled web ACL sees them
// at once. Runtime changes are persisted by a Backend: a JSON file under
// state.dir (File) for a single replica, or Redis (Redis) shared by
// replicas, which poll a version key and apply each other's changes within
// the poll interval (250 ms by default). Time is an argument everywhere;
// Run drives Sync and Expire from a ticker.
package ipsets
