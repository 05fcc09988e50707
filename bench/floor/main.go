// Command floor answers every request with a fixed 403 in Cognito's WAF
// block shape and does nothing else: the least a server can spend per
// refused request. bench/floor.sh measures it on fasthttp and on net/http
// beside nginx's limit_req figure from bench/cpu.sh.
//
//	floor fast|std ADDR
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/valyala/fasthttp"
)

var body = []byte(`{"__type":"ForbiddenException","message":"Request not allowed due to WAF block."}`)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: floor fast|std ADDR")
		os.Exit(2)
	}
	var err error
	if os.Args[1] == "fast" {
		err = fasthttp.ListenAndServe(os.Args[2], func(c *fasthttp.RequestCtx) {
			c.SetStatusCode(http.StatusForbidden)
			c.SetContentType("application/x-amz-json-1.1")
			c.SetBody(body)
		})
	} else {
		srv := &http.Server{Addr: os.Args[2], Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write(body)
		})}
		err = srv.ListenAndServe()
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
