package audit

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decoder"
)

const (
	client   = "192.0.2.10:40000"
	attacker = "192.0.2.66:50000"
	server   = "198.51.100.10:21"
	server2  = "203.0.113.30:21"
)

func TestSeverity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Severity
	}{{"info", Info}, {"LOW", Low}, {" Medium ", Medium}, {"high", High}} {
		got, err := ParseSeverity(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if strings.TrimSpace(strings.ToLower(tc.in)) != got.String() {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
	for _, bad := range []string{"", "critical", "3", "hi"} {
		if _, err := ParseSeverity(bad); !errors.Is(err, ErrSeverity) {
			t.Errorf("ParseSeverity(%q) error = %v, want ErrSeverity", bad, err)
		}
	}
	var s Severity
	if err := s.UnmarshalText([]byte("medium")); err != nil || s != Medium {
		t.Errorf("UnmarshalText(medium) = %v, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("nope")); !errors.Is(err, ErrSeverity) || s != Medium {
		t.Errorf("UnmarshalText(nope) = %v, %v; want unchanged and ErrSeverity", s, err)
	}
	if b, _ := High.MarshalText(); string(b) != "high" {
		t.Errorf("MarshalText(High) = %q", b)
	}
	if Severity(9).String() != "severity(9)" {
		t.Errorf("out of range String = %q", Severity(9).String())
	}
	all := []Severity{Info, Low, Medium, High}
	for i, a := range all {
		for j, b := range all {
			if got := a.AtLeast(b); got != (i >= j) {
				t.Errorf("%v.AtLeast(%v) = %v", a, b, got)
			}
		}
	}
	if s, ok := Highest(nil); ok || s != Info {
		t.Errorf("Highest(nil) = %v, %v", s, ok)
	}
	if s, ok := Highest([]Finding{{Severity: Low}, {Severity: High}, {Severity: Info}}); !ok || s != High {
		t.Errorf("Highest = %v, %v", s, ok)
	}
	if len(Kinds()) != 11 {
		t.Errorf("Kinds() has %d kinds", len(Kinds()))
	}
	k := Kinds()
	k[0] = "x"
	if Kinds()[0] != CleartextCredentials {
		t.Error("Kinds() shares its array")
	}
}

// localDoc stands in for private space: the NAT heuristics are tested
// with documentation addresses only.
var localDoc = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}

func TestAuditKinds(t *testing.T) {
	tests := []struct {
		name     string
		sessions []*decoder.Session
		cfg      Config
		// want lists the findings as "kind/severity", in order.
		want  string
		check func(t *testing.T, fs []Finding)
	}{
		{
			name:     "no sessions",
			sessions: nil,
			want:     "",
		},
		{
			name:     "nil session skipped",
			sessions: []*decoder.Session{nil},
			want:     "",
		},
		{
			name: "cleartext login",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("s3cret"), 230).do("QUIT", "", 221).done(),
			},
			want: "cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.User != "alice" || f.Count != 1 || f.ClientIP.String() != "192.0.2.10" || f.ServerIP.String() != "198.51.100.10" {
					t.Errorf("finding = %+v", f)
				}
				if !reflect.DeepEqual(f.SessionIDs, []string{"s1"}) {
					t.Errorf("SessionIDs = %v", f.SessionIDs)
				}
				if strings.Contains(f.Detail, "s3cret") {
					t.Errorf("detail leaks the password: %s", f.Detail)
				}
				want := `192.0.2.10 logged in to 198.51.100.10 as "alice" with a cleartext password`
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name: "PASS without USER",
			sessions: func() []*decoder.Session {
				b := session("s1", client, server, t0).do("PASS", "s3cret", 230)
				b.s.LoginAttempts = append(b.s.LoginAttempts, decoder.LoginAttempt{
					Password: str("s3cret"), Outcome: decoder.OutcomeSuccess, ReplyCode: code(230), Time: b.t,
				})
				return []*decoder.Session{b.done()}
			}(),
			want: "cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				want := `192.0.2.10 logged in to 198.51.100.10 with a cleartext password (no USER seen)`
				if fs[0].Detail != want {
					t.Errorf("detail = %q, want %q", fs[0].Detail, want)
				}
			},
		},
		{
			name: "cleartext login without password",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", nil, 230).done(),
			},
			want: "cleartext_credentials/medium",
		},
		{
			name: "cleartext password, reply not seen",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("pw"), 0).done(),
			},
			want: "cleartext_credentials/medium",
			check: func(t *testing.T, fs []Finding) {
				if !strings.Contains(fs[0].Detail, "reply was not seen") {
					t.Errorf("detail = %q", fs[0].Detail)
				}
			},
		},
		{
			name: "failed login alone is not a finding",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("typo"), 530).done(),
			},
			want: "",
		},
		{
			name: "cleartext logins aggregate per user across sessions",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("pw"), 230).done(),
				session("s2", client, server, t0.Add(time.Hour)).login("alice", str("pw"), 230).done(),
				session("s3", client, server, t0.Add(2*time.Hour)).login("bob", str("pw2"), 230).done(),
			},
			want: "cleartext_credentials/high cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].User != "alice" || fs[0].Sessions != 2 || fs[0].Count != 2 || !fs[0].End.After(fs[0].Time) {
					t.Errorf("alice finding = %+v", fs[0])
				}
				if !strings.HasSuffix(fs[0].Detail, "in 2 sessions") {
					t.Errorf("detail = %q", fs[0].Detail)
				}
				if fs[1].User != "bob" || fs[1].Sessions != 1 {
					t.Errorf("bob finding = %+v", fs[1])
				}
			},
		},
		{
			name: "anonymous read only",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("anonymous", str("guest@example.org"), 230).
					do("RETR", "pub/file", 226).done(),
			},
			want: "anonymous_login/low",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].User != "anonymous" || fs[0].Uploads != 0 || fs[0].Changes != 0 {
					t.Errorf("finding = %+v", fs[0])
				}
			},
		},
		{
			name: "anonymous changes the tree",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("ftp", str("x@"), 230).
					do("MKD", "incoming/new", 257, `"/incoming/new" created`).
					do("DELE", "incoming/old", 550).
					do("SITE", "chmod 777 incoming/new", 200).done(),
			},
			want: "anonymous_login/medium",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].Changes != 2 || fs[0].Uploads != 0 {
					t.Errorf("finding = %+v", fs[0])
				}
				if !strings.Contains(fs[0].Detail, "changed the file tree 2 times (MKD, SITE CHMOD)") {
					t.Errorf("detail = %q", fs[0].Detail)
				}
			},
		},
		{
			name: "anonymous upload",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("anonymous", str("x@"), 230).
					cmd("STOR", "incoming/warez.zip").reply(150, "Ok to send data.").reply(226, "Transfer complete.").done(),
			},
			want: "anonymous_login/high",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].Uploads != 1 || !strings.HasSuffix(fs[0].Detail, "and uploaded 1 file") {
					t.Errorf("finding = %+v", fs[0])
				}
			},
		},
		{
			name: "anonymous upload refused",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("anonymous", str("x@"), 230).
					do("STOR", "x", 553, "Could not create file.").done(),
			},
			want: "anonymous_login/low",
		},
		{
			name: "anonymous upload seen only in the transfers",
			sessions: []*decoder.Session{
				func() *decoder.Session {
					s := session("s1", client, server, t0).login("anonymous", str("x@"), 230).
						transfer(decoder.Transfer{Command: "STOR", Direction: decoder.Upload, Status: code(226)}).done()
					s.Transcript = s.Transcript[:1] // cut after the greeting
					return s
				}(),
			},
			want: "anonymous_login/high",
		},
		{
			name: "upload after leaving the anonymous login is not anonymous",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("anonymous", str("x@"), 230).
					login("alice", str("pw"), 230).do("STOR", "x", 226).done(),
			},
			want: "anonymous_login/low cleartext_credentials/high",
		},
		{
			name: "failed anonymous login",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("anonymous", str("x@"), 530).done(),
			},
			want: "",
		},
		{
			name:     "brute force, Zeek bruteforce trace shape",
			sessions: failedLogins(30, attacker, server, "bro", t0, 2400*time.Millisecond),
			want:     "brute_force/medium",
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.Failures != 30 || f.User != "bro" || f.Users != 1 || f.Sessions != 30 || len(f.SessionIDs) != 30 {
					t.Errorf("finding = %+v", f)
				}
				if f.ServerIP.String() != "198.51.100.10" || len(f.Servers) != 1 {
					t.Errorf("servers = %v %v", f.ServerIP, f.Servers)
				}
				want := `192.0.2.66 had 30 failed logins for user "bro" on 198.51.100.10 within 1m10s`
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name:     "brute force: one below the threshold",
			sessions: failedLogins(9, attacker, server, "root", t0, time.Second),
			want:     "",
		},
		{
			name:     "brute force: threshold reached",
			sessions: failedLogins(10, attacker, server, "root", t0, time.Second),
			want:     "brute_force/medium",
		},
		{
			name:     "brute force: threshold spread over exactly the window",
			sessions: failedLogins(10, attacker, server, "root", t0, 10*time.Minute/9),
			want:     "brute_force/medium",
		},
		{
			name: "brute force: just wider than the window",
			// 10 failures 66.67 s apart span 10m0.03s: no 10-minute span
			// holds all ten. They still chain into one burst.
			sessions: failedLogins(10, attacker, server, "root", t0, 10*time.Minute/9+3*time.Millisecond),
			want:     "",
		},
		{
			name:     "brute force: configured threshold",
			sessions: failedLogins(5, attacker, server, "root", t0, time.Minute),
			cfg:      Config{BruteThreshold: 5, BruteWindow: 4 * time.Minute},
			want:     "brute_force/medium",
		},
		{
			name: "brute force: two bursts a day apart",
			sessions: append(failedLogins(12, attacker, server, "root", t0, time.Second),
				failedLogins(15, attacker, server, "admin", t0.Add(24*time.Hour), time.Second)...),
			want: "brute_force/medium brute_force/medium",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].Failures != 12 || fs[1].Failures != 15 || fs[1].User != "admin" {
					t.Errorf("failures = %d, %d", fs[0].Failures, fs[1].Failures)
				}
			},
		},
		{
			name: "brute force over several users and servers, then success",
			sessions: func() []*decoder.Session {
				var out []*decoder.Session
				for i := range 12 {
					srv := server
					if i%2 == 1 {
						srv = server2
					}
					user := []string{"root", "admin", "oracle"}[i%3]
					out = append(out, session(sid("x", i), attacker, srv, t0.Add(time.Duration(i)*time.Second)).
						login(user, str("guess"), 530).done())
				}
				out = append(out, session("win", attacker, server, t0.Add(time.Minute)).login("admin", str("admin"), 230).done())
				return out
			}(),
			want: "brute_force/high cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.ServerIP.IsValid() || len(f.Servers) != 2 || f.Users != 3 || f.User != "" || f.Successes != 1 || f.Failures != 12 {
					t.Errorf("finding = %+v", f)
				}
				want := `192.0.2.66 had 12 failed logins for 3 users on 2 servers within 11s; then 1 login as a targeted user succeeded`
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name: "brute force: failures from different clients do not add up",
			sessions: append(failedLogins(6, attacker, server, "root", t0, time.Second),
				failedLogins(6, "192.0.2.67:50000", server, "root", t0, time.Second)...),
			want: "",
		},
		{
			name: "password spray",
			sessions: func() []*decoder.Session {
				var out []*decoder.Session
				for i, u := range []string{"alice", "bob", "carol", "dave", "erin"} {
					out = append(out, session(sid("sp", i), attacker, server, t0.Add(time.Duration(i)*time.Minute)).
						login(u, str("Winter2024!"), 530).done())
				}
				return out
			}(),
			want: "password_spray/medium",
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.Users != 5 || f.Failures != 5 || f.Password == nil || *f.Password != "Winter2024!" {
					t.Errorf("finding = %+v", f)
				}
				if strings.Contains(f.Detail, "Winter") {
					t.Errorf("detail leaks the password: %s", f.Detail)
				}
			},
		},
		{
			name: "password spray: four users is below the default",
			sessions: func() []*decoder.Session {
				var out []*decoder.Session
				for i, u := range []string{"alice", "bob", "carol", "dave"} {
					out = append(out, session(sid("sp", i), attacker, server, t0.Add(time.Duration(i)*time.Minute)).
						login(u, str("Winter2024!"), 530).done())
				}
				return out
			}(),
			want: "",
		},
		{
			name: "password spray that found an account",
			sessions: func() []*decoder.Session {
				var out []*decoder.Session
				for i, u := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
					c := 530
					if u == "erin" {
						c = 230
					}
					out = append(out, session(sid("sp", i), attacker, server, t0.Add(time.Duration(i)*time.Minute)).
						login(u, str("Winter2024!"), c).done())
				}
				return out
			}(),
			want: "password_spray/high cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].Successes != 1 || fs[0].Users != 6 || fs[0].Failures != 5 {
					t.Errorf("finding = %+v", fs[0])
				}
			},
		},
		{
			name: "anonymous logins are not a spray",
			sessions: func() []*decoder.Session {
				var out []*decoder.Session
				for i := range 6 {
					out = append(out, session(sid("an", i), attacker, server, t0.Add(time.Duration(i)*time.Minute)).
						login([]string{"anonymous", "ftp", "ANONYMOUS", "Ftp", "anonymous", "ftp"}[i], str("me@"), 530).done())
				}
				return out
			}(),
			want: "",
		},
		{
			name: "bounce refused, no transfer",
			sessions: []*decoder.Session{
				session("s1", attacker, server, t0).login("anonymous", str("x@"), 230).
					do("PORT", "203,0,113,5,0,25", 500, "Illegal PORT command.").done(),
			},
			want: "anonymous_login/low ftp_bounce/medium",
			check: func(t *testing.T, fs []Finding) {
				f := fs[1]
				if f.Count != 1 || f.Accepted != 0 || !reflect.DeepEqual(f.Targets, []netip.AddrPort{netip.MustParseAddrPort("203.0.113.5:25")}) {
					t.Errorf("finding = %+v", f)
				}
				want := "192.0.2.66 sent 1 PORT command naming another host to 198.51.100.10 (203.0.113.5:25); the server did not accept it"
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name: "EPRT of the other IP version is the dual-stack client's own (RFC 2428)",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("pw"), 230).
					do("EPRT", "|2|2001:db8::10|50123|", 200).done(),
				session("s2", client, server, t0.Add(time.Minute)).login("alice", str("pw"), 230).
					do("EPRT", "|2|2001:db8::66|25|", 200).done(),
			},
			want: "cleartext_credentials/high ftp_bounce/high",
			check: func(t *testing.T, fs []Finding) {
				f := fs[1]
				if f.Count != 2 || f.Accepted != 2 || len(f.Targets) != 2 {
					t.Errorf("finding = %+v", f)
				}
			},
		},
		{
			name: "EPRT of the other IP version at an unprivileged port is low",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("pw"), 230).
					do("EPRT", "|2|2001:db8::10|50123|", 200).done(),
			},
			want: "cleartext_credentials/high ftp_bounce/low",
			check: func(t *testing.T, fs []Finding) {
				want := `192.0.2.10 sent 1 EPRT command naming another host to 198.51.100.10 ([2001:db8::10]:50123); the server accepted it; the addresses are of the other IP version, probably the client's own (RFC 2428)`
				if fs[1].Detail != want {
					t.Errorf("detail = %q, want %q", fs[1].Detail, want)
				}
			},
		},
		{
			name: "bounce accepted, port scan through the server",
			sessions: []*decoder.Session{
				session("s1", attacker, server, t0).login("anonymous", str("x@"), 230).
					do("PORT", "203,0,113,5,0,22", 200).do("LIST", "", 425).
					do("PORT", "203,0,113,5,0,25", 200).cmd("LIST", "").reply(150).reply(226).
					do("EPRT", "|2|2001:db8::5|80|", 200).
					do("LPRT", "4,4,203,0,113,5,2,0,110", 500).done(),
			},
			want: "anonymous_login/low ftp_bounce/high",
			check: func(t *testing.T, fs []Finding) {
				f := fs[1]
				if f.Count != 4 || f.Accepted != 3 || len(f.Targets) != 4 {
					t.Errorf("finding = %+v", f)
				}
				want := "192.0.2.66 sent 4 PORT/EPRT/LPRT commands naming another host to 198.51.100.10 " +
					"(203.0.113.5:22, 203.0.113.5:25, [2001:db8::5]:80 and 1 more); the server accepted 3"
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name: "PORT naming the client itself is fine",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("PORT", "192,0,2,10,200,1", 200).
					do("EPRT", "|1|192.0.2.10|51202|", 200).done(),
			},
			want: "",
		},
		{
			name: "PORT naming an internal address at a high port looks like NAT",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("PORT", "203,0,113,7,200,1", 200).done(),
			},
			cfg:  Config{LocalNets: localDoc},
			want: "ftp_bounce/low",
			check: func(t *testing.T, fs []Finding) {
				if !strings.HasSuffix(fs[0].Detail, "the client is probably behind NAT") {
					t.Errorf("detail = %q", fs[0].Detail)
				}
			},
		},
		{
			name: "PORT naming an internal address at a low port is an attack",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("PORT", "203,0,113,7,0,25", 200).done(),
			},
			cfg:  Config{LocalNets: localDoc},
			want: "ftp_bounce/high",
		},
		{
			name: "unparsable PORT is not a bounce",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("PORT", "1,2,3", 501).do("PORT", "300,0,0,1,0,25", 501).done(),
			},
			want: "",
		},
		{
			name: "bounce seen only in a data connection from the server to a third party",
			sessions: []*decoder.Session{
				session("s1", attacker, server, t0).transfer(decoder.Transfer{
					Command: "RETR", Mode: decoder.ModeActive, Negotiation: "EPRT",
					Advertised: netip.MustParseAddrPort("203.0.113.9:8080"),
					DataSrc:    netip.MustParseAddrPort("198.51.100.10:20"),
					DataDst:    netip.MustParseAddrPort("203.0.113.9:8080"),
				}).done(),
			},
			want: "ftp_bounce/high",
			check: func(t *testing.T, fs []Finding) {
				want := "192.0.2.66 sent 1 EPRT command naming another host to 198.51.100.10 (203.0.113.9:8080); the server accepted it"
				if fs[0].Detail != want {
					t.Errorf("detail = %q, want %q", fs[0].Detail, want)
				}
			},
		},
		{
			name: "bounce from transfer advertised address, data connection not captured",
			sessions: []*decoder.Session{
				session("s1", attacker, server, t0).transfer(decoder.Transfer{
					Command: "RETR", Mode: decoder.ModeActive, Negotiation: "PORT",
					Advertised: netip.MustParseAddrPort("203.0.113.5:25"),
				}).done(),
			},
			want: "ftp_bounce/medium",
		},
		{
			name: "FXP: PORT names the passive endpoint of another session",
			sessions: []*decoder.Session{
				session("a", client, server, t0).login("alice", str("pw"), 230).
					do("PASV", "", 227, "Entering Passive Mode (198,51,100,10,195,80).").
					do("STOR", "f", 226).done(),
				session("b", client, server2, t0.Add(time.Second)).login("bob", str("pw"), 230).
					do("PORT", "198,51,100,10,195,80", 200).
					do("RETR", "f", 226).done(),
			},
			want: "cleartext_credentials/high cleartext_credentials/high fxp/medium",
			check: func(t *testing.T, fs []Finding) {
				f := fs[2]
				if f.ServerIP.String() != "203.0.113.30" || f.Count != 1 || f.Targets[0].String() != "198.51.100.10:50000" {
					t.Errorf("finding = %+v", f)
				}
				want := "192.0.2.10 set up 1 server-to-server data connection between 203.0.113.30 and 198.51.100.10:50000 (FXP)"
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name: "FXP: EPSV endpoint and the data connection itself",
			sessions: []*decoder.Session{
				session("a", client, server, t0).
					do("EPSV", "", 229, "Entering Extended Passive Mode (|||50001|)").
					transfer(decoder.Transfer{
						Command: "STOR", Mode: decoder.ModePassive, Negotiation: "EPSV",
						Advertised: netip.MustParseAddrPort("198.51.100.10:50001"),
						DataSrc:    netip.MustParseAddrPort("203.0.113.30:20"),
						DataDst:    netip.MustParseAddrPort("198.51.100.10:50001"),
						Notes:      []string{"fxp"},
					}).done(),
				session("b", client, server2, t0.Add(time.Second)).
					do("PORT", "198,51,100,10,195,81", 200).done(),
			},
			want: "fxp/medium fxp/medium",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].Targets[0].String() != "203.0.113.30:20" || fs[1].Targets[0].String() != "198.51.100.10:50001" {
					t.Errorf("targets = %v, %v", fs[0].Targets, fs[1].Targets)
				}
			},
		},
		{
			name: "PASV reply names an internal address",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).
					do("PASV", "", 227, "Entering Passive Mode (203,0,113,7,195,80).").
					do("PASV", "", 227, "Entering Passive Mode (203,0,113,7,195,81).").done(),
			},
			cfg:  Config{LocalNets: localDoc},
			want: "pasv_address_mismatch/low",
			check: func(t *testing.T, fs []Finding) {
				want := "198.51.100.10 told 192.0.2.10 to open data connections to 203.0.113.7:50000, 203.0.113.7:50001, not to itself (2 replies)"
				if fs[0].Detail != want || fs[0].Count != 2 {
					t.Errorf("detail = %q, want %q", fs[0].Detail, want)
				}
			},
		},
		{
			name: "PASV reply names a public third party",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).
					do("PASV", "", 227, "Entering Passive Mode (203,0,113,7,0,22).").done(),
			},
			want: "pasv_address_mismatch/medium",
		},
		{
			name: "PASV reply with the server's own address",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).
					do("PASV", "", 227, "Entering Passive Mode (198,51,100,10,195,80).").done(),
			},
			want: "",
		},
		{
			name: "PASV mismatch from the decoder's note only",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).note("pasv_address_mismatch").done(),
			},
			want: "pasv_address_mismatch/low",
		},
		{
			name: "PASV mismatch from a transfer",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).transfer(decoder.Transfer{
					Command: "RETR", Mode: decoder.ModePassive, Negotiation: "PASV",
					Advertised: netip.MustParseAddrPort("0.0.0.0:50000"),
					Notes:      []string{"pasv_address_mismatch"},
				}).done(),
			},
			want: "pasv_address_mismatch/low",
		},
		{
			name: "mod_copy before login",
			sessions: []*decoder.Session{
				session("s1", attacker, server, t0).
					do("SITE", "CPFR /etc/passwd", 350, "File or directory exists, ready for destination name").
					do("SITE", "cpto /var/www/html/passwd.txt", 250, "Copy successful").
					do("SITE", "CPFR /proc/self/cmdline", 550).done(),
			},
			want: "site_exec/high",
			check: func(t *testing.T, fs []Finding) {
				f := fs[0]
				if f.Count != 3 || f.Accepted != 2 || len(f.Commands) != 3 || f.Commands[1] != "cpto /var/www/html/passwd.txt" {
					t.Errorf("finding = %+v", f)
				}
				want := "192.0.2.66 sent 3 SITE CPFR/CPTO commands to 198.51.100.10, 3 before logging in; the server accepted 2"
				if f.Detail != want {
					t.Errorf("detail = %q, want %q", f.Detail, want)
				}
			},
		},
		{
			name: "SITE EXEC after login, refused",
			sessions: []*decoder.Session{
				session("s1", attacker, server, t0).login("anonymous", str("x@"), 230).
					do("SITE", "EXEC /bin/sh -c id", 500).do("SITE", "HELP", 214).done(),
			},
			want: "anonymous_login/low site_exec/high",
			check: func(t *testing.T, fs []Finding) {
				if fs[1].Detail != "192.0.2.66 sent 1 SITE EXEC command to 198.51.100.10; the server did not accept it" {
					t.Errorf("detail = %q", fs[1].Detail)
				}
			},
		},
		{
			name: "cleartext login although TLS was offered",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).feat(" AUTH TLS;TLS-C;SSL", " PBSZ", " PROT").
					login("alice", str("pw"), 230).done(),
			},
			want: "cleartext_credentials/high cleartext_after_tls_offer/medium",
			check: func(t *testing.T, fs []Finding) {
				want := `198.51.100.10 offered AUTH TLS but 192.0.2.10 sent the password of user "alice" in cleartext`
				if fs[1].Detail != want {
					t.Errorf("detail = %q, want %q", fs[0].Detail, want)
				}
			},
		},
		{
			name: "vsftpd FEAT form, failed login still leaks the password",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).feat(" AUTH SSL", " AUTH TLS", " EPSV").
					login("alice", str("pw"), 530).done(),
			},
			want: "cleartext_after_tls_offer/medium",
		},
		{
			name: "no TLS offered",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).feat(" MDTM", " AUTH GSSAPI", " SIZE").login("anonymous", str("x@"), 230).done(),
			},
			want: "anonymous_login/low",
		},
		{
			name: "AUTH TLS refused, nothing after",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("AUTH", "TLS", 534, "Policy requires SSL.").do("QUIT", "", 221).done(),
			},
			want: "auth_tls_refused/medium",
			check: func(t *testing.T, fs []Finding) {
				if fs[0].Detail != "198.51.100.10 refused AUTH TLS from 192.0.2.10 (534)" {
					t.Errorf("detail = %q", fs[0].Detail)
				}
			},
		},
		{
			name: "AUTH TLS refused, then cleartext login: downgrade",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("AUTH", "TLS", 500, "AUTH not understood").
					do("AUTH", "SSL", 500, "AUTH not understood").
					login("alice", str("pw"), 230).done(),
			},
			want: "auth_tls_refused/high cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				want := "198.51.100.10 refused AUTH TLS from 192.0.2.10 (500) and the client went on to log in in cleartext"
				if fs[0].Detail != want || fs[0].Count != 2 {
					t.Errorf("detail = %q, want %q (count %d)", fs[0].Detail, want, fs[0].Count)
				}
			},
		},
		{
			name: "AUTH GSSAPI refused then AUTH TLS accepted",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).do("AUTH", "GSSAPI", 504).do("AUTH", "TLS", 500).startTLS().done(),
			},
			want: "",
		},
		{
			name: "AUTH refused from the decoder's note",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).note("auth_tls_refused").done(),
			},
			want: "auth_tls_refused/medium",
		},
		{
			name: "USER before AUTH TLS",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).cmd("USER", "alice").reply(530, "Please login with USER and PASS.").
					startTLS().done(),
			},
			want: "user_before_auth_tls/low",
			check: func(t *testing.T, fs []Finding) {
				want := `192.0.2.10 sent USER "alice" to 198.51.100.10 before AUTH TLS, so the user name crossed in cleartext`
				if fs[0].Detail != want || fs[0].User != "alice" {
					t.Errorf("detail = %q, want %q", fs[0].Detail, want)
				}
			},
		},
		{
			name: "USER and PASS before AUTH TLS",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("alice", str("pw"), 530).startTLS().done(),
			},
			want: "user_before_auth_tls/medium",
		},
		{
			name: "AUTH TLS before USER: nothing to report",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).feat(" AUTH TLS").startTLS().done(),
			},
			want: "",
		},
		{
			name: "hostile user name is quoted in the detail",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login("\x1b[31mroot\r\n\x00\xff\u202e", str("pw"), 230).done(),
			},
			want: "cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				want := `192.0.2.10 logged in to 198.51.100.10 as "\x1b[31mroot\r\n\x00\xff\u202e" with a cleartext password`
				if fs[0].Detail != want {
					t.Errorf("detail = %q, want %q", fs[0].Detail, want)
				}
			},
		},
		{
			name: "long user name is cut in the detail",
			sessions: []*decoder.Session{
				session("s1", client, server, t0).login(strings.Repeat("A", 5000), str("pw"), 230).done(),
			},
			want: "cleartext_credentials/high",
			check: func(t *testing.T, fs []Finding) {
				if len(fs[0].Detail) > 200 || !strings.Contains(fs[0].Detail, `"...`) || len(fs[0].User) != 5000 {
					t.Errorf("detail = %q", fs[0].Detail)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := Audit(tc.sessions, tc.cfg)
			checkInvariants(t, fs)
			if got := summary(fs); got != tc.want {
				t.Fatalf("findings = %q, want %q\n%s", got, tc.want, details(fs))
			}
			if tc.check != nil {
				tc.check(t, fs)
			}
		})
	}
}

func details(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Kind) + ": " + f.Detail + "\n")
	}
	return b.String()
}

// TestAuditDeterministic: the order of the input slice does not matter.
func TestAuditDeterministic(t *testing.T) {
	var all []*decoder.Session
	all = append(all, failedLogins(12, attacker, server, "root", t0, time.Second)...)
	all = append(all,
		session("c1", client, server, t0).login("alice", str("pw"), 230).do("PORT", "203,0,113,5,0,25", 200).done(),
		session("c2", client, server2, t0).login("anonymous", str("x@"), 230).do("STOR", "x", 226).done(),
		session("c3", "192.0.2.11:1000", server, t0).do("AUTH", "TLS", 534).done(),
		session("c4", client, server, t0).feat(" AUTH TLS").login("bob", str("pw"), 230).done(),
	)
	want := Audit(all, Config{})
	wantCreds := Credentials(all)
	if len(want) < 6 {
		t.Fatalf("only %d findings:\n%s", len(want), details(want))
	}
	for i := range 5 {
		perm := slices.Clone(all)
		switch i {
		case 0:
			slices.Reverse(perm)
		default:
			perm = append(perm[i*3:], perm[:i*3]...)
		}
		if got := Audit(perm, Config{}); !reflect.DeepEqual(got, want) {
			t.Errorf("permutation %d changed the findings:\n%s\nwant:\n%s", i, details(got), details(want))
		}
		if got := Credentials(perm); !reflect.DeepEqual(got, wantCreds) {
			t.Errorf("permutation %d changed the credentials", i)
		}
	}
}

func TestAuditBounds(t *testing.T) {
	sessions := failedLogins(40, attacker, server, "root", t0, time.Second)
	b := session("p", attacker, server, t0)
	for i := range 30 {
		b.do("PORT", "203,0,113,5,1,"+string(rune('0'+i/10))+string(rune('0'+i%10)), 200)
		b.do("SITE", "EXEC cmd"+string(rune('a'+i%26))+string(rune('a'+i/26)), 500)
	}
	sessions = append(sessions, b.done())
	fs := Audit(sessions, Config{MaxSessionIDs: 7, MaxListed: 5})
	checkInvariants(t, fs)
	for _, f := range fs {
		switch f.Kind {
		case BruteForce:
			if f.Sessions != 40 || len(f.SessionIDs) != 7 || f.Failures != 40 {
				t.Errorf("brute force = %+v", f)
			}
		case FTPBounce:
			if f.Count != 30 || len(f.Targets) != 5 || !strings.Contains(f.Detail, "and 27 more") {
				t.Errorf("bounce = %+v", f)
			}
		case SiteExec:
			if f.Count != 30 || len(f.Commands) != 5 {
				t.Errorf("site exec = %+v", f)
			}
		}
	}
	if got := summary(fs); got != "brute_force/medium ftp_bounce/high site_exec/high" {
		t.Errorf("findings = %s", got)
	}
}

func TestConfigDefaults(t *testing.T) {
	d := DefaultConfig()
	if d.BruteThreshold != 10 || d.BruteWindow != 10*time.Minute || d.SprayUsers != 5 || d.SprayWindow != time.Hour {
		t.Errorf("DefaultConfig = %+v", d)
	}
	got := Config{BruteThreshold: -1, SprayWindow: -time.Second}.withDefaults()
	if !reflect.DeepEqual(got, d) {
		t.Errorf("withDefaults = %+v, want %+v", got, d)
	}
	custom := Config{BruteThreshold: 3, LocalNets: []netip.Prefix{}}.withDefaults()
	if custom.BruteThreshold != 3 || custom.LocalNets == nil || len(custom.LocalNets) != 0 {
		t.Errorf("custom = %+v", custom)
	}
}

// BenchmarkAudit: 5,000 sessions (a long brute force, a spray, sessions
// with many PASV replies and PORT commands).
func BenchmarkAudit(b *testing.B) {
	var sessions []*decoder.Session
	sessions = append(sessions, failedLogins(4000, attacker, server, "root", t0, 2*time.Second)...)
	for i := range 900 {
		sessions = append(sessions, session(sid("sp", i), "192.0.2.77:1000", server, t0.Add(time.Duration(i)*time.Second)).
			login("user"+sid("", i), str("Spring2024"), 530).done())
	}
	for i := range 100 {
		bb := session(sid("dl", i), client, server, t0.Add(time.Duration(i)*time.Minute)).login("alice", str("pw"), 230)
		for j := range 100 {
			bb.do("PASV", "", 227, "Entering Passive Mode (203,0,113,7,195,"+itoa(j+1)+")")
			bb.do("PORT", "203,0,113,9,4,"+itoa(j+1), 200)
		}
		sessions = append(sessions, bb.done())
	}
	b.ReportAllocs()
	for b.Loop() {
		Audit(sessions, Config{})
		Credentials(sessions)
	}
}
