package main

import (
	"fmt"
	"io"

	"github.com/poolguard/poolguard/internal/audit"
	"github.com/poolguard/poolguard/internal/exportwaf"
)

// runAudit is `poolguard audit`: exit 0 clean, 1 low/medium, 2 high, 3 error.
func runAudit(args []string, stdout, stderr io.Writer) int {
	return audit.Main(args, stdout, stderr)
}

// runExport is `poolguard export waf`.
func runExport(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "waf" {
		fmt.Fprint(stderr, "Usage: poolguard export waf --config FILE [--format waf|cloudformation|ipsets]\n")
		return 2
	}
	return exportwaf.Main(args[1:], stdout, stderr)
}
