//go:build linux

package cognitotest

import "syscall"

// setParentDeathSignal makes the kernel kill the child if the test binary
// dies before its cleanup runs.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
