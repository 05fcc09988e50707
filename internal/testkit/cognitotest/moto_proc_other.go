//go:build !unix

package cognitotest

import (
	"os"
	"syscall"
)

// ownProcessGroup returns no attributes where process groups don't exist.
func ownProcessGroup() *syscall.SysProcAttr { return nil }

// killGroup kills p alone.
func killGroup(p *os.Process) { _ = p.Kill() }
