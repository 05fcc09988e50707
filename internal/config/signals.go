package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/poolguard/poolguard/internal/rules/signals"
)

// Signals configures the request signals that stand in for AWS WAF's
// managed rule groups (IP reputation and anonymous-IP lists, geo location,
// bot-control signals), the keyed hashing of personal rate keys, and the
// CAPTCHA and Challenge actions. See docs/signals.md.
type Signals struct {
	// IPLists label requests from listed addresses.
	IPLists []IPList `yaml:"ip_lists"`
	// EmailDomainLists label requests naming an e-mail address in a listed
	// domain (hygiene.go).
	EmailDomainLists []EmailDomainList `yaml:"email_domain_lists"`
	// CacheDir keeps the last good copy of every downloaded list, for a
	// restart while a source is down.
	CacheDir string `yaml:"cache_dir"`
	// Geo labels requests with their country and region.
	Geo GeoSignals `yaml:"geo"`
	// BotSignals adds the bot-control signal labels (non-browser and
	// automated-browser User-Agents); default true.
	BotSignals *bool `yaml:"bot_signals"`
	// KeyHashSecret (env:NAME, file:PATH or a literal) keys the HMAC that
	// replaces user names and phone numbers in rate keys. Replicas sharing
	// Redis need the same one; unset draws a random key at each start.
	KeyHashSecret string `yaml:"key_hash_secret"`
	// RefreshCheck is how often list and database sources are checked;
	// default 1m.
	RefreshCheck time.Duration `yaml:"refresh_check"`
	// Challenge configures the CAPTCHA and Challenge actions.
	Challenge ChallengeConfig `yaml:"challenge"`
}

// IPList is one IP list source.
type IPList struct {
	// Name identifies the list in logs and the cache directory.
	Name string `yaml:"name"`
	// Label is the fully-qualified label it adds, e.g.
	// awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList.
	Label string `yaml:"label"`
	// Source is a file path or an http(s) URL.
	Source string `yaml:"source"`
	// Format is cidr, netset, spamhaus or tor.
	Format signals.Format `yaml:"format"`
	// Refresh is how often the source is fetched again; default 1h.
	Refresh time.Duration `yaml:"refresh"`
}

// GeoSignals is the geo database.
type GeoSignals struct {
	// Database is the path of a MaxMind-format .mmdb (GeoLite2 or DB-IP
	// Lite, Country or City); reloaded when the file changes.
	Database string `yaml:"database"`
}

// ChallengeConfig configures CAPTCHA and Challenge.
type ChallengeConfig struct {
	// TokenSecret (env:NAME, file:PATH or a literal, at least 32 bytes)
	// signs aws-waf-token tokens. Without it, CAPTCHA and Challenge rules
	// answer 405/202 to every request they match, as with no valid token.
	TokenSecret string `yaml:"token_secret"`
	// Difficulty is the proof-of-work difficulty in bits (1-32); default 18.
	Difficulty int `yaml:"difficulty"`
	// Captcha is the CAPTCHA's human step.
	Captcha CaptchaProvider `yaml:"captcha"`
}

// CaptchaProvider chooses the CAPTCHA's human step.
type CaptchaProvider struct {
	// Provider is puzzle (built in, the default), turnstile, hcaptcha or recaptcha.
	Provider CaptchaKind `yaml:"provider"`
	// SiteKey is the provider's public site key.
	SiteKey string `yaml:"site_key"`
	// Secret (env:NAME, file:PATH or a literal) is the provider's secret key.
	Secret string `yaml:"secret"`
}

// BotsEnabled reports whether bot signals are on (the default).
func (s *Signals) BotsEnabled() bool { return s.BotSignals == nil || *s.BotSignals }

var (
	listNamePattern = regexp.MustCompile(`^[\w.-]{1,64}$`)
	fqLabelPattern  = regexp.MustCompile(`^awswaf:[0-9A-Za-z_\-:]+[0-9A-Za-z_\-]$`)
)

// signals checks the signals section.
func (v *validator) signals(s *Signals) {
	seen := map[string]bool{}
	for i := range s.IPLists {
		l := &s.IPLists[i]
		key := fmt.Sprintf("signals.ip_lists[%d]", i)
		if !listNamePattern.MatchString(l.Name) {
			v.add(key+".name", "%q is not a name of 1 to 64 letters, digits, '_', '-' or '.'", l.Name)
		} else if seen[l.Name] {
			v.add(key+".name", "duplicate list name %q", l.Name)
		}
		seen[l.Name] = true
		if !fqLabelPattern.MatchString(l.Label) {
			v.add(key+".label", "%q is not a fully-qualified label such as awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList", l.Label)
		}
		if l.Source == "" {
			v.add(key+".source", "is required (a file path or an http(s) URL)")
		}
		switch l.Format {
		case "":
			v.add(key+".format", "is required: one of cidr, netset, spamhaus, tor")
		case signals.FormatDomains:
			v.add(key+".format", "domains is the format of email_domain_lists, not of an IP list")
		}
		if l.Refresh < 0 || (l.Refresh > 0 && l.Refresh < time.Minute && strings.HasPrefix(l.Source, "http")) {
			v.add(key+".refresh", "must be at least 1m for a URL")
		}
	}
	if s.RefreshCheck < 0 {
		v.add("signals.refresh_check", "must be positive")
	}
	if msg := checkSecretRef(s.KeyHashSecret); msg != "" {
		v.add("signals.key_hash_secret", "%s", msg)
	}
	c := &s.Challenge
	if msg := checkSecretRef(c.TokenSecret); msg != "" {
		v.add("signals.challenge.token_secret", "%s", msg)
	}
	if c.Difficulty < 0 || c.Difficulty > 32 {
		v.add("signals.challenge.difficulty", "must be 1 to 32 bits, got %d", c.Difficulty)
	}
	p := &c.Captcha
	if p.Provider.External() {
		if p.SiteKey == "" {
			v.add("signals.challenge.captcha.site_key", "is required for provider %s", p.Provider)
		}
		if p.Secret == "" {
			v.add("signals.challenge.captcha.secret", "is required for provider %s", p.Provider)
		} else if msg := checkSecretRef(p.Secret); msg != "" {
			v.add("signals.challenge.captcha.secret", "%s", msg)
		}
	}
}
