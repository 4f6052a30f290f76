#!/bin/bash
# Every option a command's --help lists is in the man page (docs/tcpsift.1, where a hyphen is
# written \-), and the page has no "..TP"-style run-on (a macro glued to the end of a line).
# usage: man_page_options.sh TCPSIFT REPO
set -u
B=$1
MAN=$2/docs/tcpsift.1
fail() { echo "FAIL: $*"; exit 1; }
missing=0
for cmd in packets conns stream frames states; do
    opts=$("$B" $cmd --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    [ -n "$opts" ] || fail "$cmd --help lists no option"
    for o in $opts; do
        grep -qF -- "${o//-/\\-}" "$MAN" || { echo "man page lacks $o ($cmd --help has it)"; missing=1; }
    done
done
[ $missing -eq 0 ] || fail "options missing from $MAN"
! grep -nE '[^.]\.\.(TP|B|BR|BI|RB|PP|SH)\b' "$MAN" || fail "a macro run into the text above"
echo "man_page_options: ok"
