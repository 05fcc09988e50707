package proxy

// FullPathOnly turns off h's refusal on the request's head, so that tests
// can compare the answers and records of both paths.
func FullPathOnly(h *Handler) { h.fullPathOnly = true }
