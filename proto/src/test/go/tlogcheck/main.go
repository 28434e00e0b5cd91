// Command tlogcheck is an independent checker of this project's transparency-log formats,
// built on Go's golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog. The Java tests
// (GoTlogInteropTest) and the server's integration tests run it so that what we produce
// is judged by code that is not ours.
//
// Build offline against Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/tlogcheck .
//
// Usage (hashes are standard base64; lists are read from stdin, one item per line):
//
//	tlogcheck open -vkey VKEY [-vkey VKEY...]        < signed note    prints the text
//	tlogcheck check-inclusion -index I -size N -root H (-leaf H | -record B64)   < proof hashes
//	tlogcheck check-consistency -old M -new N -old-root H -new-root H   < proof hashes
//	tlogcheck tree-hash                                < leaf hashes     prints the root
//	tlogcheck genkey -name NAME                        prints the signer key, then the verifier key
//	tlogcheck sign -skey SKEY                          < text            prints the signed note
//	tlogcheck check-tlog-proof -vkey VKEY -origin O -leaf H   < c2sp.org/tlog-proof
//
// A -vkey whose key starts with signature type 0x04 is a c2sp.org/tlog-cosignature Ed25519
// cosigner: x/mod has no verifier for those, so cosignatureVerifier below implements the
// spec on crypto/ed25519, while note.Open still does all the parsing.
//
// Exit status: 0 accepted, 1 refused (a proof or signature did not verify), 2 usage or
// unreadable input. The reason goes to stderr.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// usageError marks bad arguments or unreadable input (exit 2); other errors are refusals.
type usageError struct{ error }

func usage(format string, args ...interface{}) error {
	return usageError{fmt.Errorf(format, args...)}
}

func main() {
	if len(os.Args) < 2 {
		fail(usage("usage: tlogcheck open|check-inclusion|check-consistency|tree-hash|genkey|sign|check-tlog-proof [flags]"))
	}
	commands := map[string]func([]string) error{
		"open":              open,
		"check-inclusion":   checkInclusion,
		"check-consistency": checkConsistency,
		"tree-hash":         treeHash,
		"genkey":            genkey,
		"sign":              sign,
		"check-tlog-proof":  checkTlogProof,
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fail(usage("unknown command %q", os.Args[1]))
	}
	fail(cmd(os.Args[2:]))
}

func fail(err error) {
	if err == nil {
		os.Exit(0)
	}
	fmt.Fprintln(os.Stderr, "tlogcheck:", err)
	var u usageError
	if errors.As(err, &u) {
		os.Exit(2)
	}
	os.Exit(1)
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usage("%s: %v", fs.Name(), err)
	}
	if fs.NArg() != 0 {
		return usage("%s: unexpected arguments %q", fs.Name(), fs.Args())
	}
	return nil
}

func verifiers(vkeys []string) (note.Verifiers, error) {
	if len(vkeys) == 0 {
		return nil, usage("need at least one -vkey")
	}
	var list []note.Verifier
	for _, k := range vkeys {
		if v, ok := newCosignatureVerifier(k); ok {
			list = append(list, v)
			continue
		}
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, usage("verifier key %q: %v", k, err)
		}
		list = append(list, v)
	}
	return note.VerifierList(list...), nil
}

// cosignatureVerifier checks timestamped Ed25519 cosignatures: the signature is an 8-byte
// big-endian timestamp and an Ed25519 signature of "cosignature/v1\ntime <t>\n" + text.
type cosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func newCosignatureVerifier(vkey string) (note.Verifier, bool) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return nil, false
	}
	key, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) != 33 || key[0] != 0x04 {
		return nil, false
	}
	hash, err := strconv.ParseUint(parts[1], 16, 32)
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), key...))
	if err != nil || uint32(hash) != binary.BigEndian.Uint32(h[:4]) {
		return nil, false
	}
	return &cosignatureVerifier{parts[0], uint32(hash), ed25519.PublicKey(key[1:])}, true
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	return ed25519.Verify(v.key, signed, sig[8:])
}

func open(args []string) error {
	fs := flag.NewFlagSet("open", flag.ContinueOnError)
	var vkeys stringList
	fs.Var(&vkeys, "vkey", "verifier key (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	known, err := verifiers(vkeys)
	if err != nil {
		return err
	}
	msg, err := io.ReadAll(os.Stdin)
	if err != nil {
		return usage("reading stdin: %v", err)
	}
	n, err := note.Open(msg, known)
	if err != nil {
		return fmt.Errorf("note.Open: %v", err)
	}
	fmt.Print(n.Text)
	return nil
}

func checkInclusion(args []string) error {
	fs := flag.NewFlagSet("check-inclusion", flag.ContinueOnError)
	index := fs.Int64("index", -1, "leaf index")
	size := fs.Int64("size", -1, "tree size")
	root := fs.String("root", "", "root hash")
	leaf := fs.String("leaf", "", "leaf hash")
	record := fs.String("record", "", "the leaf's input, base64, instead of -leaf: hashed here with tlog.RecordHash")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	th, err1 := parseHash("root", *root)
	var h tlog.Hash
	var err2 error
	if *record != "" {
		data, err := base64.StdEncoding.DecodeString(*record)
		if err != nil {
			err2 = fmt.Errorf("-record: %v", err)
		} else {
			h = tlog.RecordHash(data)
		}
	} else {
		h, err2 = parseHash("leaf", *leaf)
	}
	proof, err3 := readHashes()
	if err := firstError(err1, err2, err3); err != nil {
		return err
	}
	if err := tlog.CheckRecord(tlog.RecordProof(proof), *size, th, *index, h); err != nil {
		return fmt.Errorf("tlog.CheckRecord(index %d, size %d): %v", *index, *size, err)
	}
	return nil
}

func checkConsistency(args []string) error {
	fs := flag.NewFlagSet("check-consistency", flag.ContinueOnError)
	oldSize := fs.Int64("old", -1, "old tree size")
	newSize := fs.Int64("new", -1, "new tree size")
	oldRoot := fs.String("old-root", "", "old root hash")
	newRoot := fs.String("new-root", "", "new root hash")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	oh, err1 := parseHash("old-root", *oldRoot)
	nh, err2 := parseHash("new-root", *newRoot)
	proof, err3 := readHashes()
	if err := firstError(err1, err2, err3); err != nil {
		return err
	}
	if err := tlog.CheckTree(tlog.TreeProof(proof), *newSize, nh, *oldSize, oh); err != nil {
		return fmt.Errorf("tlog.CheckTree(%d to %d): %v", *oldSize, *newSize, err)
	}
	return nil
}

func treeHash(args []string) error {
	fs := flag.NewFlagSet("tree-hash", flag.ContinueOnError)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	leaves, err := readHashes()
	if err != nil {
		return err
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	for n, leaf := range leaves {
		more, err := tlog.StoredHashesForRecordHash(int64(n), leaf, reader)
		if err != nil {
			return err
		}
		stored = append(stored, more...)
	}
	root, err := tlog.TreeHash(int64(len(leaves)), reader)
	if err != nil {
		return err
	}
	fmt.Println(base64.StdEncoding.EncodeToString(root[:]))
	return nil
}

func genkey(args []string) error {
	fs := flag.NewFlagSet("genkey", flag.ContinueOnError)
	name := fs.String("name", "", "key name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		return usage("note.GenerateKey: %v", err)
	}
	fmt.Println(skey)
	fmt.Println(vkey)
	return nil
}

func sign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	skey := fs.String("skey", "", "signer key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	signer, err := note.NewSigner(*skey)
	if err != nil {
		return usage("note.NewSigner: %v", err)
	}
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		return usage("reading stdin: %v", err)
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return usage("note.Sign: %v", err)
	}
	os.Stdout.Write(msg)
	return nil
}

// checkTlogProof reads a c2sp.org/tlog-proof@v1: header, optional extra line, index,
// inclusion proof hashes, blank line, then the checkpoint signed note.
func checkTlogProof(args []string) error {
	fs := flag.NewFlagSet("check-tlog-proof", flag.ContinueOnError)
	var vkeys stringList
	fs.Var(&vkeys, "vkey", "the log's verifier key (repeatable)")
	origin := fs.String("origin", "", "the log's origin")
	leaf := fs.String("leaf", "", "leaf hash")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	known, err1 := verifiers(vkeys)
	h, err2 := parseHash("leaf", *leaf)
	data, err3 := io.ReadAll(os.Stdin)
	if err := firstError(err1, err2, err3); err != nil {
		return err
	}
	head, signed, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		return fmt.Errorf("tlog proof: no blank line before the checkpoint")
	}
	lines := strings.Split(string(head), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" {
		return fmt.Errorf("tlog proof: header %q", lines[0])
	}
	lines = lines[1:]
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		if _, err := base64.StdEncoding.DecodeString(lines[0][6:]); err != nil {
			return fmt.Errorf("tlog proof: extra: %v", err)
		}
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return fmt.Errorf("tlog proof: no index line")
	}
	index, err := strconv.ParseInt(lines[0][6:], 10, 64)
	if err != nil || strconv.FormatInt(index, 10) != lines[0][6:] {
		return fmt.Errorf("tlog proof: index %q", lines[0][6:])
	}
	var proof tlog.RecordProof
	for _, l := range lines[1:] {
		p, err := tlog.ParseHash(l)
		if err != nil {
			return fmt.Errorf("tlog proof: hash %q: %v", l, err)
		}
		proof = append(proof, p)
	}
	n, err := note.Open(signed, known)
	if err != nil {
		return fmt.Errorf("checkpoint: note.Open: %v", err)
	}
	cp := strings.Split(n.Text, "\n")
	if len(cp) < 4 || cp[0] != *origin {
		return fmt.Errorf("checkpoint: not a checkpoint of origin %q: %q", *origin, n.Text)
	}
	size, err := strconv.ParseInt(cp[1], 10, 64)
	if err != nil || strconv.FormatInt(size, 10) != cp[1] {
		return fmt.Errorf("checkpoint: size %q", cp[1])
	}
	root, err := tlog.ParseHash(cp[2])
	if err != nil {
		return fmt.Errorf("checkpoint: root hash %q: %v", cp[2], err)
	}
	if err := tlog.CheckRecord(proof, size, root, index, h); err != nil {
		return fmt.Errorf("tlog.CheckRecord(index %d, size %d): %v", index, size, err)
	}
	return nil
}

func parseHash(name, s string) (tlog.Hash, error) {
	h, err := tlog.ParseHash(s)
	if err != nil {
		return tlog.Hash{}, usage("-%s %q: %v", name, s, err)
	}
	return h, nil
}

func readHashes() ([]tlog.Hash, error) {
	var out []tlog.Hash
	s := bufio.NewScanner(os.Stdin)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" {
			continue
		}
		h, err := tlog.ParseHash(line)
		if err != nil {
			return nil, usage("stdin hash %d %q: %v", len(out), line, err)
		}
		out = append(out, h)
	}
	if err := s.Err(); err != nil {
		return nil, usage("reading stdin: %v", err)
	}
	return out, nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
