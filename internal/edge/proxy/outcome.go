package proxy

import (
	"bytes"
	"io"
	"net/http"

	"github.com/poolguard/poolguard/internal/edge/proxy/upclient"
)

// outcomesAfter counts Cognito's answer for the attack-protection tracker.
// When the tracker needs the body (a success, or an error without
// x-amzn-ErrorType) it reads it into buf.wire, which the request no longer
// needs, and puts it back in front of resp.Body, so the relay that follows
// sends it unchanged. A body over maxLearnBytes is relayed uncounted. err
// is a body the upstream cut or framed wrongly.
func (h *Handler) outcomesAfter(r *http.Request, st *State, x *exchange, resp *upclient.Response, buf *buffer) error {
	if x.out.Tracking == nil {
		return nil
	}
	var body []byte
	if st.Outcomes.NeedsBody(&x.track, resp.StatusCode, x.out.UpstreamErrorType) {
		var complete bool
		var err error
		buf.wire, complete, err = readLimited(buf.wire[:0], resp.Body, maxLearnBytes)
		if err != nil {
			return err
		}
		resp.Body = &prefixed{Reader: io.MultiReader(bytes.NewReader(buf.wire), resp.Body), Closer: resp.Body}
		if !complete {
			return nil
		}
		body = decoded(buf.wire, resp.Header.Get("Content-Encoding"))
	}
	if _, err := st.Outcomes.After(r.Context(), h.now(), &x.view, &x.track, resp.StatusCode, x.out.UpstreamErrorType, body); err != nil {
		h.log.Warn("attack protection store failed to count an answer", "request_id", x.view.RequestID, "err", err)
	}
	return nil
}

// prefixed is a body whose first bytes were read already.
type prefixed struct {
	io.Reader
	io.Closer
}

// readLimited appends r's body to b, up to limit bytes; complete is false
// when there is more.
func readLimited(b []byte, r io.Reader, limit int) (_ []byte, complete bool, err error) {
	for len(b) <= limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(cap(b), limit+1)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, true, nil
		}
		if err != nil {
			return b, false, err
		}
	}
	return b, false, nil
}
