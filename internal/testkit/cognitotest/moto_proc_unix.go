//go:build unix

package cognitotest

import (
	"os"
	"syscall"
)

// ownProcessGroup puts the child in a process group of its own, so that
// killGroup reaches every process it starts (moto_server is often a shim
// script that execs Python).
func ownProcessGroup() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(attr)
	return attr
}

// killGroup sends SIGKILL to the process group led by p.
func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		_ = p.Kill()
	}
}
