package audit

import (
	"encoding/json"
	"io"
	"slices"
)

// SARIF 2.1.0, the subset code-scanning tools read.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifText      `json:"shortDescription"`
		Help                 sarifText      `json:"help"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID     string          `json:"ruleId"`
		RuleIndex  int             `json:"ruleIndex"`
		Level      string          `json:"level"`
		Message    sarifText       `json:"message"`
		Locations  []sarifLocation `json:"locations"`
		Properties map[string]any  `json:"properties"`
	}
	sarifLocation struct {
		PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogical `json:"logicalLocations"`
	}
	sarifPhysical struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	}
	sarifLogical struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
)

// sarifLevel maps a severity to a SARIF level; securitySeverity is the
// GitHub code-scanning score.
func sarifLevel(s Severity) (level, securitySeverity string) {
	switch s {
	case High:
		return "error", "8.0"
	case Medium:
		return "warning", "5.0"
	case Low:
		return "note", "3.0"
	}
	return "note", "0.0"
}

// WriteSARIF writes r as a SARIF 2.1.0 log with one rule per check id.
// Each result's logical location is the pool or client; with a config
// file, its physical location is that file.
func (r *Report) WriteSARIF(w io.Writer) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "poolguard audit", InformationURI: "https://github.com/poolguard/poolguard/blob/main/docs/audit.md", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	var ids []string
	for _, f := range r.Findings {
		i := slices.Index(ids, f.ID)
		if i < 0 {
			i = len(ids)
			ids = append(ids, f.ID)
			level, sec := sarifLevel(f.Severity)
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID: f.ID, ShortDescription: sarifText{f.Title}, Help: sarifText{f.Console + "\n" + f.API},
				DefaultConfiguration: sarifConfig{level}, Properties: map[string]any{"security-severity": sec, "tags": []string{"security", "cognito"}},
			})
		}
		level, _ := sarifLevel(f.Severity)
		name, fqn, kind := f.PoolID, f.PoolID, "user-pool"
		if f.ClientID != "" {
			name, fqn, kind = f.ClientID, f.PoolID+"/"+f.ClientID, "app-client"
		}
		loc := sarifLocation{LogicalLocations: []sarifLogical{{name, fqn, kind}}}
		if r.Source != "" {
			loc.PhysicalLocation = &sarifPhysical{}
			loc.PhysicalLocation.ArtifactLocation.URI = r.Source
			loc.PhysicalLocation.Region.StartLine = 1
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: f.ID, RuleIndex: i, Level: level,
			Message:    sarifText{f.Title + " (" + f.Resource() + "). " + f.Reason + " Fix: " + f.Console + " API: " + f.API},
			Locations:  []sarifLocation{loc},
			Properties: map[string]any{"severity": f.Severity.String()},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}
