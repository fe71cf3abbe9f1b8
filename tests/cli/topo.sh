#!/usr/bin/env bash
# topo.sh: end-to-end checks of `schedlab topo`: list, show (text and JSON), detect, validate,
# and refusals that name the file, line and field with a non-zero exit.
. "$(dirname "$0")/lib.sh"

# list names every required preset
expect_exit 0 "$S" topo list
for p in m1 m1max m2ultra i9-12900k epyc7r13-2s graviton3 altra; do has "$T/out" "$p "; done

# show: readable summary and JSON that validates again
expect_exit 0 "$S" topo show m1
has "$T/out" "cores: 8"
has "$T/out" "latency classes"
expect_exit 0 "$S" topo show m1 --json
has "$T/out" '"name":	"m1"'
has "$T/out" '"ncores":	8'
cp "$T/out" "$T/m1.json"
expect_exit 0 "$S" topo validate "$T/m1.json"
has "$T/out" "ok (8 cores"

# synthetic specs work wherever a name does, and bad ones name the key
expect_exit 0 "$S" topo show synth:sockets=2,nodes=8,clusters=64,p=256,e=256
has "$T/out" "cores: 512"
expect_exit 1 "$S" topo show synth:p=3,nodes=2
has "$T/err" "synth:p=3,nodes=2: p:"

# detect prints this machine as JSON in the preset format; -o writes it to a file
expect_exit 0 "$S" topo detect
has "$T/out" '"name":	"detected"'
cp "$T/out" "$T/host.json"
expect_exit 0 "$S" topo validate "$T/host.json"
expect_exit 0 "$S" topo detect -o "$T/host2.json"
cmp -s "$T/host.json" "$T/host2.json" || fail "detect -o wrote something other than detect prints"

# a bad file: exit 1, message names file:line:col and the field
cat >"$T/bad.json" <<'JSON'
{
  "name": "bad",
  "ncores": 4,
  "nodes": [ { "id": 0 } ],
  "clusters": [
    { "id": 0, "kind": "P", "node": 0, "cores": "0-4" }
  ]
}
JSON
expect_exit 1 "$S" topo validate "$T/bad.json"
has "$T/err" "$T/bad.json:6:"
has "$T/err" "clusters[0].cores: core 4 is out of range 0..3"

printf '{\n  "name": "x",\n  "ncores": 4\n  "nodes": []\n}\n' >"$T/syntax.json"
expect_exit 1 "$S" topo validate "$T/syntax.json"
has "$T/err" "$T/syntax.json:4:"
has "$T/err" "syntax"

expect_exit 1 "$S" topo show no-such-machine
has "$T/err" "unknown topology 'no-such-machine'"

# usage errors exit 2
expect_exit 2 "$S" topo
expect_exit 2 "$S" topo show
expect_exit 2 "$S" topo frobnicate
expect_exit 2 "$S" topo list -o x.json

finish topo.sh
