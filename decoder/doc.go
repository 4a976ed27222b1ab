// Package decoder follows FTP dialogues: it reads the ordered byte streams
// of control connections, parses commands and replies (RFC 959 and its
// extensions), tracks logins, working directory and TLS, and ties every
// data connection to the command and the PORT/PASV/EPRT/EPSV negotiation
// that announced it.
//
// The decoder is pure: bytes and capture timestamps in, typed Events and
// Sessions out. It does no I/O, never panics on any input, and bounds every
// buffer, line, queue and table it keeps, noting on the session (or the
// transfer) what a bound cut. It implements reassembly.Factory, so the
// assembler hands it every new TCP connection and it decides which ones
// are FTP.
package decoder
