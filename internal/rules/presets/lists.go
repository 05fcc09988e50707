package presets

// The IP set names shared by the presets that have allow and deny lists, as
// the AWS articles' templates name them. Presets used together reference the same
// sets.
const (
	AllowListV4 = "AllowListV4"
	AllowListV6 = "AllowListV6"
	DenyListV4  = "DenyListV4"
	DenyListV6  = "DenyListV6"
)

// listRules adds the allow-list rule (Allow) and the deny-list rule (Block,
// or Count in test mode), each over an IPv4 and an IPv6 set, named
// prefix+"AllowList" and prefix+"DenyList".
func listRules(b *builder, prefix string, testMode bool) {
	a4 := b.ipSet(AllowListV4, "IPv4 addresses always allowed", "IPV4")
	a6 := b.ipSet(AllowListV6, "IPv6 addresses always allowed", "IPV6")
	d4 := b.ipSet(DenyListV4, "IPv4 addresses always blocked", "IPV4")
	d6 := b.ipSet(DenyListV6, "IPv6 addresses always blocked", "IPV6")
	b.rule(rule{
		Name:             prefix + "AllowList",
		Statement:        or(ipSetStmt(a4), ipSetStmt(a6)),
		Action:           allow(),
		VisibilityConfig: visible(prefix + "AllowList"),
	})
	b.rule(rule{
		Name:             prefix + "DenyList",
		Statement:        or(ipSetStmt(d4), ipSetStmt(d6)),
		Action:           blockOrCount(testMode),
		VisibilityConfig: visible(prefix + "DenyList"),
	})
}
