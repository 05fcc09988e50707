//go:build race

package waf

const raceEnabled = true
