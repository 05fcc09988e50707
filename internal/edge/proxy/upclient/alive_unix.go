//go:build unix

package upclient

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// alive reports whether an idle upstream connection can carry a request:
// the upstream has neither closed it nor sent anything unasked (a TLS
// close_notify, a stray answer). It peeks at the socket without blocking,
// one system call, so a connection the upstream closed while idle is never
// used, and a request is never written where it could be lost.
func alive(c net.Conn) bool {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	ok = false
	var buf [1]byte
	cerr := raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ok = n < 0 && (errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK))
		return true // never wait for readiness
	})
	return cerr == nil && ok
}
