// Command poolguard is a proxy that protects Amazon Cognito user pools.
//
// Usage:
//
//	poolguard serve --config FILE
//	poolguard validate --config FILE
//	poolguard version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/poolguard/poolguard/internal/config"
	"github.com/poolguard/poolguard/internal/proxy"
	"github.com/poolguard/poolguard/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `poolguard protects an Amazon Cognito user pool.

Usage:
  poolguard serve    --config FILE   run the proxy
  poolguard validate --config FILE   check a config file and exit 0 (valid) or 1
  poolguard version                  print the version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "poolguard", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "poolguard: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// configFlag parses the --config flag of a subcommand.
func configFlag(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "path to the config file (YAML or JSON)")
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if *path == "" {
		fmt.Fprintf(stderr, "poolguard %s: --config FILE is required\n", name)
		return "", false
	}
	return *path, true
}

// load loads the config and builds the proxy state, printing every problem.
func load(path string, stderr io.Writer) (*config.Config, *proxy.State, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	st, err := server.BuildState(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	return cfg, st, true
}

func validate(args []string, stdout, stderr io.Writer) int {
	path, ok := configFlag("validate", args, stderr)
	if !ok {
		return 2
	}
	if _, _, ok := load(path, stderr); !ok {
		return 1
	}
	fmt.Fprintln(stdout, path+": ok")
	return 0
}

func serve(args []string, stderr io.Writer) int {
	path, ok := configFlag("serve", args, stderr)
	if !ok {
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cfg, st, ok := load(path, stderr)
	if !ok {
		return 1
	}
	up, err := server.BuildUpstream(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer up.Close()
	public, admin, err := listen(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "poolguard:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := server.New(cfg, proxy.New(st, up, log), log)
	if err := srv.Serve(ctx, public, admin); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
}

func listen(cfg *config.Config) (public, admin net.Listener, err error) {
	public, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("listen: %w", err)
	}
	admin, err = net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		public.Close()
		return nil, nil, errors.Join(fmt.Errorf("admin_listen: %w", err))
	}
	return public, admin, nil
}
