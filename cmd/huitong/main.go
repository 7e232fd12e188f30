// Command huitong is the huitong platform in one binary.
//
//	huitong serve [--demo] [--addr :8080] [--data ./huitong-data] [--db DSN] [--nats URL]
//	huitong migrate [--data DIR | --db DSN]
//	huitong audit verify [--data DIR | --db DSN]
//	huitong bench catalog [--entries 50000] [--db DSN]
//	huitong version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"huitong/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "huitong:", err)
		}
		var ex exitError
		if errors.As(err, &ex) {
			os.Exit(int(ex))
		}
		os.Exit(1)
	}
}

// exitError carries a specific exit status.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `huitong — 汇通 provincial government data platform

Usage:
  huitong serve [flags]          run the platform (web UI, API, bus)
  huitong migrate [flags]        apply database migrations and exit
  huitong init [flags]           create the data authority and the first operator in an empty database
  huitong audit verify [flags]   verify the audit hash chain and its signed checkpoints
  huitong audit checkpoint|export  sign the chain head now; export a range verifiable with OpenSSL
  huitong catalog export|import  export or import the catalog (JSON, Excel) acting as --as USERNAME
  huitong bench catalog [flags]  measure catalog search against a LIKE scan
  huitong bench exchange [flags] measure the audited query path against a static JSON handler
  huitong bench cert [flags]     certificate issuing and verification against raw SM2
  huitong bench ingest [flags]   data delivery against a raw insert; peak memory; conflict detection
  huitong import [flags]         deliver a file (CSV, Excel, JSON lines) into a table-mounted resource
  huitong cert verify FILE       verify an exported certificate offline (--pubkey PEM pins the key)
  huitong cert export ID         export a certificate from the library
  huitong version                print the version

Common flags (also HUITONG_* environment variables, see docs/operations.md):
  --data DIR    data directory (HUITONG_DATA, default ./huitong-data)
  --db DSN      postgres://... or a SQLite file (HUITONG_DB, default DIR/huitong.db)
  --nats URL    external NATS JetStream (HUITONG_NATS, default embedded)
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "migrate":
		return migrate(ctx, args[1:], stdout, stderr)
	case "catalog":
		return catalogCmd(ctx, args[1:], stdout, stderr)
	case "init":
		return initPlatform(ctx, args[1:], os.Stdin, stdout, stderr)
	case "audit":
		if len(args) >= 2 && (args[1] == "checkpoint" || args[1] == "export") {
			return auditCmd(ctx, args[1:], stdout, stderr)
		}
		if len(args) < 2 || args[1] != "verify" {
			return errors.New("usage: huitong audit verify [--data DIR | --db DSN]")
		}
		return auditVerify(ctx, args[2:], stdout, stderr)
	case "bench":
		if len(args) >= 2 && args[1] == "exchange" {
			return benchExchange(ctx, args[2:], stdout, stderr)
		}
		if len(args) >= 2 && args[1] == "ingest" {
			return benchIngest(ctx, args[2:], stdout, stderr)
		}
		if len(args) >= 2 && args[1] == "cert" {
			return benchCert(ctx, args[2:], stdout, stderr)
		}
		if len(args) < 2 || args[1] != "catalog" {
			return errors.New("usage: huitong bench catalog [--entries N] [--db DSN]")
		}
		return benchCatalog(ctx, args[2:], stdout, stderr)
	case "cert":
		return certCmd(ctx, args[1:], stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "huitong", app.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// flags builds a flag set over cfg after applying the environment.
func flags(name string, cfg *app.Config, stderr io.Writer) (*flag.FlagSet, error) {
	if err := cfg.FromEnv(os.Getenv); err != nil {
		return nil, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database: postgres:// URL or SQLite file (default DATA/huitong.db)")
	fs.StringVar(&cfg.NATS, "nats", cfg.NATS, "external NATS URL (default: embedded server)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "json or text")
	return fs, nil
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	m := app.NewMain()
	m.LogOut = stderr
	fs, err := flags("serve", &m.Config, stderr)
	if err != nil {
		return err
	}
	fs.StringVar(&m.Config.Addr, "addr", m.Config.Addr, "listen address")
	fs.BoolVar(&m.Config.Demo, "demo", false, "load the demo province (Gansu) into an empty database")
	fs.IntVar(&m.Config.DemoResources, "demo-resources", m.Config.DemoResources, "catalog entries in the demo")
	fs.BoolVar(&m.Config.SecureCookies, "secure-cookies", m.Config.SecureCookies, "mark cookies Secure (serve behind TLS)")
	fs.StringVar(&m.Config.PublicURL, "public-url", m.Config.PublicURL, "base URL the public reaches the platform at, for QR codes (default: the listening address)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	gcPercent, memLimit := app.TuneGC()
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	m.Log.Info("garbage collector", "gogc", gcPercent, "memoryLimitBytes", memLimit, "note", "-2/-1: as GOGC/GOMEMLIMIT set them")
	if m.Config.Demo && m.DemoSummary != nil {
		fmt.Fprintf(stderr, "\n  汇通 demo ready at %s  —  sign in as admin / demo (operator), reviewer / demo (catalog reviewer);\n  department staff accounts are listed in README.md (password demo).\n\n", m.URL())
	}
	<-ctx.Done()
	m.Log.Info("shutting down")
	return m.Close()
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := app.NewMain()
	m.LogOut = stderr
	fs, err := flags("migrate", &m.Config, stderr)
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintf(stdout, "database %s (%s) is up to date\n", m.DB.Redacted(), m.DB.Engine)
	return nil
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := app.NewMain()
	m.LogOut = io.Discard
	fs, err := flags("audit verify", &m.Config, stderr)
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	return verifyAuditTrail(ctx, m.DB, stdout)
}
