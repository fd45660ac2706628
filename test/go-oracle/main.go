// Command go-oracle answers, for certdoctor's differential tests, what Go's crypto/x509 says about
// certificates: one JSON request per input line, one JSON answer per output line. It is test support
// only (built by test/support/go-oracle.ts), never part of certdoctor.
package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"time"
)

type request struct {
	Op            string   `json:"op"` // "verify" or "parse"
	Leaf          string   `json:"leaf"`
	Roots         []string `json:"roots"`
	Intermediates []string `json:"intermediates"`
	Now           string   `json:"now"`
	DNSName       string   `json:"dnsName"`
	Usages        []string `json:"usages"`
}

type answer struct {
	Error string `json:"error"`
}

var usageByName = map[string]x509.ExtKeyUsage{
	"serverAuth": x509.ExtKeyUsageServerAuth,
	"clientAuth": x509.ExtKeyUsageClientAuth,
	"any":        x509.ExtKeyUsageAny,
}

func parse(text string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(text))
	der := []byte(text)
	if block != nil {
		der = block.Bytes
	}
	return x509.ParseCertificate(der)
}

func pool(texts []string) (*x509.CertPool, error) {
	p := x509.NewCertPool()
	for _, t := range texts {
		c, err := parse(t)
		if err != nil {
			return nil, err
		}
		p.AddCert(c)
	}
	return p, nil
}

func handle(req request) string {
	leaf, err := parse(req.Leaf)
	if err != nil || req.Op == "parse" {
		if err != nil {
			return err.Error()
		}
		return ""
	}
	roots, err := pool(req.Roots)
	if err != nil {
		return "root: " + err.Error()
	}
	inters, err := pool(req.Intermediates)
	if err != nil {
		return "intermediate: " + err.Error()
	}
	now, err := time.Parse(time.RFC3339, req.Now)
	if err != nil {
		return "now: " + err.Error()
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now, DNSName: req.DNSName}
	for _, u := range req.Usages {
		opts.KeyUsages = append(opts.KeyUsages, usageByName[u])
	}
	if _, err := leaf.Verify(opts); err != nil {
		return err.Error()
	}
	return ""
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			out.Encode(answer{Error: "request: " + err.Error()})
			continue
		}
		out.Encode(answer{Error: handle(req)})
	}
}
