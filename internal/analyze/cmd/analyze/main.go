// Command analyze runs `poolguard analyze` on its own, for benchmarks and
// development before the main binary wires it in.
package main

import (
	"os"

	"github.com/poolguard/poolguard/internal/analyze"
)

func main() { os.Exit(analyze.Main(os.Args[1:], os.Stdout, os.Stderr)) }
