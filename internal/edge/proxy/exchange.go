package proxy

import (
	"sync"
	"time"

	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/ops/observe"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// exchange is the per-request scratch state: the view, the verdict and the
// outcome, recycled so that a request allocates little.
type exchange struct {
	start   time.Time
	view    request.View
	verdict waf.Verdict
	out     observe.Outcome
	track   outcome.Exchange
	memo    waf.Memo // rate decisions made on the request's head
}

var exchangePool = sync.Pool{New: func() any { return new(exchange) }}

// getExchange returns a cleared exchange for a request that started at now.
func getExchange(now time.Time) *exchange {
	x := exchangePool.Get().(*exchange)
	x.start = now
	x.view = request.View{RequestID: newRequestID()}
	x.out = observe.Outcome{Start: now, View: &x.view}
	return x
}

func putExchange(x *exchange) {
	x.view = request.View{}
	x.out = observe.Outcome{}
	x.track = outcome.Exchange{}
	x.memo.Reset()
	exchangePool.Put(x)
}
