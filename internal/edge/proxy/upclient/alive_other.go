//go:build !unix

package upclient

import "net"

// alive reports whether an idle upstream connection can carry a request;
// without a non-blocking peek this platform assumes it can.
func alive(net.Conn) bool { return true }
