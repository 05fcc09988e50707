// Command stubserver runs cognitotest's Stub, a fast fixed-answer Cognito
// stand-in, as its own process for throughput benchmarks (wrk):
//
//	go run ./internal/testkit/cognitotest/stubserver -listen 127.0.0.1:8081
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	flag.Parse()

	srv, err := cognitotest.StartStub(*listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stubserver:", err)
		os.Exit(1)
	}
	fmt.Println("stubserver listening on", srv.URL)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}
