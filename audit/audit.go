// Package audit reads decoded FTP sessions the way a security auditor
// would: it lists every credential that crossed the wire and raises
// findings for what deserves a look (cleartext logins, anonymous writes,
// password guessing and spraying, bounce and FXP data connections, SITE
// EXEC and mod_copy commands, TLS that was offered, refused or started too
// late).
//
// It is pure logic on top of the decoder: sessions in, Credentials and
// Findings out, no I/O, no wall clock. The output depends only on the
// sessions (it does not depend on their order in the slice), so a capture
// audited twice gives the same findings in the same order. Rendering
// (masking passwords, escaping wire strings for terminals, CSV, Markdown
// and JSON) is the report package's job; the only wire strings a Finding
// carries in its Detail are quoted with Go escapes, so Detail is safe to
// print even before any escaping.
package audit

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

// Severity ranks findings so that a pipeline can fail on what matters
// (ftpsniff audit --fail-on).
type Severity uint8

// Severities, lowest first.
const (
	// Info is context worth knowing, not a problem by itself.
	Info Severity = iota
	// Low is a weakness that needs another mistake to hurt.
	Low
	// Medium is a real exposure or a likely attack.
	Medium
	// High is a leaked secret, a write by strangers or a working attack.
	High
)

var severityNames = [...]string{Info: "info", Low: "low", Medium: "medium", High: "high"}

// String returns the lower-case name used in every output format.
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// ParseSeverity reads a severity name (info, low, medium, high; any case),
// as given to --fail-on.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want info, low, medium or high): %w", name, ErrSeverity)
}

// ErrSeverity is wrapped by ParseSeverity and UnmarshalText for an unknown
// name.
var ErrSeverity = errors.New("invalid severity")

// AtLeast reports whether s is t or more severe: --fail-on=medium fails on
// medium and high findings.
func (s Severity) AtLeast(t Severity) bool { return s >= t }

// Highest returns the most severe finding's severity; ok is false when
// there are no findings. `--fail-on high` fails when ok &&
// Highest(fs).AtLeast(High).
func Highest(findings []Finding) (s Severity, ok bool) {
	for _, f := range findings {
		if !ok || f.Severity > s {
			s, ok = f.Severity, true
		}
	}
	return s, ok
}

// MarshalText writes the name, so JSON and flags carry "high", not 3.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a name written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Kind names what a finding is about; the values are the JSON `kind`.
type Kind string

// Finding kinds. The comment of each says when it is raised and its
// severity.
const (
	// CleartextCredentials: a non-anonymous login succeeded with a
	// password readable in the capture (high); a login that needed no
	// password, or a password whose reply was not seen (medium).
	CleartextCredentials Kind = "cleartext_credentials"
	// AnonymousLogin: an anonymous (anonymous/ftp) login succeeded (low);
	// it then changed the file tree with MKD, RMD, DELE, RNTO or SITE
	// CHMOD (medium) or uploaded with STOR, APPE or STOU (high).
	AnonymousLogin Kind = "anonymous_login"
	// BruteForce: one client failed to log in at least
	// Config.BruteThreshold times within Config.BruteWindow (medium;
	// high when a targeted user then logged in from that client).
	BruteForce Kind = "brute_force"
	// PasswordSpray: one client tried one password against at least
	// Config.SprayUsers distinct users within Config.SprayWindow
	// (medium; high when one of those logins succeeded).
	PasswordSpray Kind = "password_spray"
	// FTPBounce: PORT, EPRT or LPRT named a host other than the client
	// (RFC 2577 3): high when the server accepted it, medium when it
	// refused, low when the address looks like the client's own behind
	// NAT (a private address, an unprivileged port, a public client) or
	// is of the other IP version (an EPRT of a dual-stack client, RFC
	// 2428 2, at an unprivileged port).
	FTPBounce Kind = "ftp_bounce"
	// FXP: a data connection ran between the server and a third host
	// that the client also controls (its PORT named a passive address
	// or a server of another session of that client), the third-party
	// "proxy FTP" of RFC 959 2.3 and RFC 2577 1; or a third
	// host connected to a passive data port, which is FXP or port theft
	// (RFC 2577 8) (medium).
	FXP Kind = "fxp"
	// PASVAddressMismatch: a 227/228 reply pointed the client at an
	// address that is not the server's (low; medium when that address is
	// a public third party, which is how a hostile server turns a client
	// into a port scanner).
	PASVAddressMismatch Kind = "pasv_address_mismatch"
	// SiteExec: SITE EXEC, SITE CPFR or SITE CPTO was sent (high): remote
	// command execution on old wu-ftpd, unauthenticated file copy on
	// ProFTPD mod_copy (CVE-2015-3306).
	SiteExec Kind = "site_exec"
	// CleartextAfterTLSOffer: the server's FEAT listed AUTH TLS/SSL
	// (RFC 4217 6) yet the client sent its password in cleartext
	// (medium).
	CleartextAfterTLSOffer Kind = "cleartext_after_tls_offer"
	// AuthTLSRefused: the server answered AUTH with a 4xx/5xx reply
	// (RFC 2228 3, RFC 4217 4.1) (medium; high when the client then
	// logged in in cleartext, the signature of a downgrade).
	AuthTLSRefused Kind = "auth_tls_refused"
	// UserBeforeAuthTLS: USER was sent before AUTH, so the user name
	// crossed in cleartext although TLS followed (low; medium when the
	// password did too). RFC 4217 4.1 has AUTH come first.
	UserBeforeAuthTLS Kind = "user_before_auth_tls"
)

// kindOrder is the order of kinds in Kinds and among findings of the
// same time.
var kindOrder = [...]Kind{
	CleartextCredentials, AnonymousLogin, BruteForce, PasswordSpray,
	FTPBounce, FXP, PASVAddressMismatch, SiteExec,
	CleartextAfterTLSOffer, AuthTLSRefused, UserBeforeAuthTLS,
}

// Kinds lists every kind in a fixed order, for help texts and
// documentation.
func Kinds() []Kind { return append([]Kind(nil), kindOrder[:]...) }

// rank is k's position in Kinds, len(Kinds) for an unknown kind.
func (k Kind) rank() int {
	for i, o := range kindOrder {
		if o == k {
			return i
		}
	}
	return len(kindOrder)
}

// Finding is one thing an auditor should look at. Findings are aggregated:
// the same kind between the same client and server (and, for
// cleartext_credentials, the same user) is one finding over all the
// sessions where it happened, with the first and last evidence in Time and
// End. The common fields are the JSON `finding` record's; the fields under
// "kind-specific" are set only by the kinds named beside them and are
// zero otherwise.
type Finding struct {
	Kind     Kind
	Severity Severity
	// ClientIP is who acted; ServerIP is who was acted on, invalid when
	// a brute_force or password_spray finding spans several servers
	// (Servers lists them).
	ClientIP netip.Addr
	ServerIP netip.Addr
	// SessionIDs are the sessions involved in capture order, at most
	// Config.MaxSessionIDs of them; Sessions counts them all.
	SessionIDs []string
	Sessions   int
	// Detail is one human sentence. Wire strings in it are Go-quoted.
	Detail string
	// Time is the first evidence, End the last (capture clock).
	Time, End time.Time

	// Kind-specific.

	// User: cleartext_credentials, cleartext_after_tls_offer and
	// user_before_auth_tls (the user concerned, "" when several),
	// anonymous_login (the anonymous name used), brute_force (the target
	// when there is one, "" when several).
	User string
	// Password: password_spray, the password sprayed (a report masks it
	// like any password).
	Password *string
	// Failures: brute_force and password_spray, failed logins counted.
	Failures int
	// Successes: brute_force and password_spray, logins that succeeded
	// (for brute_force, of a targeted user from the same client during
	// the burst or within BruteWindow after it).
	Successes int
	// Users: brute_force and password_spray, distinct users tried.
	Users int
	// Servers: brute_force and password_spray, every server attacked
	// (at most Config.MaxListed).
	Servers []netip.Addr
	// Targets: ftp_bounce (hosts named by PORT/EPRT/LPRT), fxp (the other
	// end of the data connections), pasv_address_mismatch (addresses
	// advertised); distinct, at most Config.MaxListed.
	Targets []netip.AddrPort
	// Commands: site_exec, the SITE arguments sent (distinct, each cut to
	// 200 bytes, at most Config.MaxListed).
	Commands []string
	// Count: how many times the evidence was seen (logins for
	// cleartext_credentials, commands for ftp_bounce, site_exec and
	// auth_tls_refused, transfers or commands for fxp, replies for
	// pasv_address_mismatch, sessions otherwise).
	Count int
	// Accepted: ftp_bounce and site_exec, commands the server accepted
	// (2xx, or 3xx for SITE CPFR).
	Accepted int
	// Uploads and Changes: anonymous_login, successful STOR/APPE/STOU and
	// successful MKD/RMD/DELE/RNTO/SITE CHMOD.
	Uploads int
	Changes int
}

// Config sets the thresholds of the detections that count across
// sessions. The zero value of a field takes its default.
type Config struct {
	// BruteThreshold and BruteWindow: a client with at least
	// BruteThreshold failed logins within any BruteWindow is brute
	// forcing. Default 10 in 10 minutes: twice fail2ban's default ban
	// trigger (5 in 10 minutes), so a user fighting caps lock stays
	// clear, and half Zeek's notice threshold (20 in 15 minutes), which
	// is tuned to keep a big network's notice log short rather than to
	// catch a slow guesser. RFC 2577 5 asks servers to limit attempts;
	// this finds the clients that would have hit that limit.
	BruteThreshold int
	BruteWindow    time.Duration
	// SprayUsers and SprayWindow: one client trying one password against
	// at least SprayUsers distinct users within any SprayWindow is
	// spraying. Default 5 users in 1 hour: a round of a spray tries its
	// password against many accounts in quick succession and waits
	// between rounds, while a legitimate host seldom logs in as five
	// accounts sharing one password.
	SprayUsers  int
	SprayWindow time.Duration
	// MaxSessionIDs bounds Finding.SessionIDs (default 1000);
	// Finding.Sessions still counts every session.
	MaxSessionIDs int
	// MaxListed bounds Servers, Targets and Commands (default 20).
	MaxListed int
	// LocalNets are the ranges taken as internal, behind NAT, by the
	// heuristics that tell a NAT artefact from an attack (ftp_bounce,
	// pasv_address_mismatch). Nil takes the default: RFC 1918, RFC 6598
	// shared space, loopback, link-local and RFC 4193 unique local.
	// Set it to your own internal ranges when they are public space.
	LocalNets []netip.Prefix
}

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		BruteThreshold: 10,
		BruteWindow:    10 * time.Minute,
		SprayUsers:     5,
		SprayWindow:    time.Hour,
		MaxSessionIDs:  1000,
		MaxListed:      20,
		LocalNets: []netip.Prefix{
			netip.MustParsePrefix("10.0.0.0/8"),
			netip.MustParsePrefix("172.16.0.0/12"),
			netip.MustParsePrefix("192.168.0.0/16"),
			netip.MustParsePrefix("100.64.0.0/10"),
			netip.MustParsePrefix("127.0.0.0/8"),
			netip.MustParsePrefix("169.254.0.0/16"),
			netip.MustParsePrefix("::1/128"),
			netip.MustParsePrefix("fe80::/10"),
			netip.MustParsePrefix("fc00::/7"),
		},
	}
}

// withDefaults replaces zero and negative fields by their defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.BruteThreshold <= 0 {
		c.BruteThreshold = d.BruteThreshold
	}
	if c.BruteWindow <= 0 {
		c.BruteWindow = d.BruteWindow
	}
	if c.SprayUsers <= 0 {
		c.SprayUsers = d.SprayUsers
	}
	if c.SprayWindow <= 0 {
		c.SprayWindow = d.SprayWindow
	}
	if c.MaxSessionIDs <= 0 {
		c.MaxSessionIDs = d.MaxSessionIDs
	}
	if c.MaxListed <= 0 {
		c.MaxListed = d.MaxListed
	}
	if c.LocalNets == nil {
		c.LocalNets = d.LocalNets
	}
	return c
}

// Audit returns the findings for sessions, ordered by time, then kind (in
// the order of Kinds()), then client, server and detail. Nil sessions are
// skipped.
func Audit(sessions []*decoder.Session, cfg Config) []Finding {
	a := NewAuditor(cfg, false)
	for _, s := range sessions {
		a.Add(s)
	}
	return a.Findings()
}
