//go:build poolguard_benchprof

// This file is not a package of its own: bench/throughput.sh (PROFILE=FILE)
// compiles it into cmd/poolguard with
//
//	go build -tags poolguard_benchprof -overlay OVERLAY.json ./cmd/poolguard
//
// where OVERLAY.json maps cmd/poolguard/zz_benchprof.go to this file. The
// real binary, with its real wiring, then profiles itself on request, and
// nothing under cmd/ or internal/ changes:
//
//	SIGUSR1  start a CPU profile into $POOLGUARD_BENCH_CPUPROFILE
//	SIGUSR2  stop it, write a heap profile (allocations) next to it as
//	         FILE.heap, and print "benchprof: written" on stderr

package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
)

func init() {
	path := os.Getenv("POOLGUARD_BENCH_CPUPROFILE")
	if path == "" {
		return
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	go func() {
		var f *os.File
		for s := range sig {
			switch {
			case s == syscall.SIGUSR1 && f == nil:
				var err error
				if f, err = os.Create(path); err != nil {
					fmt.Fprintln(os.Stderr, "benchprof:", err)
					continue
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					fmt.Fprintln(os.Stderr, "benchprof:", err)
				}
				fmt.Fprintln(os.Stderr, "benchprof: started")
			case s == syscall.SIGUSR2 && f != nil:
				pprof.StopCPUProfile()
				_ = f.Close()
				f = nil
				runtime.GC()
				if h, err := os.Create(path + ".heap"); err == nil {
					_ = pprof.Lookup("allocs").WriteTo(h, 0)
					_ = h.Close()
				}
				fmt.Fprintln(os.Stderr, "benchprof: written")
			}
		}
	}()
}
