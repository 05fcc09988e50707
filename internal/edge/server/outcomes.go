package server

import (
	"fmt"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/edge/proxy"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/presets"
)

// buildOutcomes turns on the attack-protection tracker when the web ACL
// lists the cognito-attack-protection preset, with that preset's
// parameters as its thresholds. key keys the hashes the tracker counts
// under (signals.key_hash_secret); replicas sharing Redis need the same.
func buildOutcomes(cfg *config.Config, deps Deps, st *proxy.State, key []byte) error {
	for i, p := range cfg.WAF.Presets {
		if p.Name != presets.AttackProtection {
			continue
		}
		oc, err := presets.AttackProtectionConfig(p.Params)
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.At(fmt.Sprintf("waf.presets[%d]", i)), err)
		}
		store, hasher := deps.Outcomes, deps.OutcomeHasher
		if sh, ok := store.(interface{ Shared() bool }); ok && sh.Shared() && hasher == nil && len(key) == 0 {
			return fmt.Errorf("%s: %s with state.redis needs signals.key_hash_secret, so that every replica counts under the same keys",
				cfg.At(fmt.Sprintf("waf.presets[%d]", i)), presets.AttackProtection)
		}
		if store == nil {
			store = outcome.NewMemory(outcome.DefaultMaxRecords)
		}
		if hasher == nil {
			hasher = outcome.NewHasher(key)
		}
		st.Outcomes = outcome.New(oc, store, hasher, deps.OutcomeStats)
		return nil
	}
	return nil
}
