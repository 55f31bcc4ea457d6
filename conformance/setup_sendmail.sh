#!/bin/bash
# The reference sendmail for the sendmail-8 personality: Debian 12's sendmail 8.17 with Debian's
# default sendmail.mc, in a bookworm chroot (sendmail and Postfix cannot be installed together),
# listening on loopback only, delivering nothing, resolving every name to 127.0.0.x.
#
#   sudo conformance/setup_sendmail.sh          # build (first time: debootstrap) and start
#   sudo conformance/setup_sendmail.sh stop     # stop the daemon
#
# Environment: SENDMAIL_ROOT (default /work/ref/sendmail-root; keep it outside any git tree),
# SENDMAIL_ADDR (default 127.0.0.2: Postfix may hold 127.0.0.1:25), SENDMAIL_PORT (default 25).
#
# What differs from a fresh `apt-get install sendmail` (everything else is Debian's default):
#   sendmail.mc  DAEMON_OPTIONS Addr=127.0.0.1 -> $SENDMAIL_ADDR (port $SENDMAIL_PORT; the
#                submission daemon on $SENDMAIL_ADDR too), confDOMAIN_NAME mail.cs.tcd.ie,
#                confDELIVERY_MODE `q' (DeliveryMode=queueonly: safety, nothing leaves)
#   access       Connect:127 RELAY -> Connect:127.0.0.1 RELAY, so that a client on 127.0.0.5 is
#                a stranger, as with the Postfix reference's mynetworks = 127.0.0.1/32
#                (Debian's GreetPause/ClientRate/ClientConn entries for 127 stay)
#   local-host-names  cs.tcd.ie and localhost (Postfix: mydestination = cs.tcd.ie, localhost)
#   users alice and bob, aliases `staff: alice, bob' and `postmaster: root' (debootstrap leaves
#                /etc/aliases empty; a Debian installed as usual has postmaster, RFC 5321 4.5.1)
#   /etc/hosts + service.switch `hosts files': no DNS; every name below is 127.0.0.x (the
#                simulated twin, conformance/scenarios/sendmail.toml, has the same names: a
#                sender whose domain is not among them is refused at RCPT by both)
# The daemon runs as `sendmail -bd' with no queue runner (-q): the queue is never worked, but
# for an ETRN (the harness sends some), which runs it for that node: every name is 127.0.0.x,
# remote domains are 127.0.0.10 and up, where nothing listens, local mail stays in the chroot
# (Postfix's 127.0.0.1 is `localhost', which is local here), so nothing leaves the machine.
set -eu

ROOT=${SENDMAIL_ROOT:-/work/ref/sendmail-root}
ADDR=${SENDMAIL_ADDR:-127.0.0.2}
PORT=${SENDMAIL_PORT:-25}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PIDFILE=$ROOT/run/sendmail/mta/sendmail.pid

stop() {
    if [ -f "$PIDFILE" ]; then
        pid=$(head -n 1 "$PIDFILE")
        kill "$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        rm -f "$PIDFILE"
    fi
}

if [ "${1:-}" = stop ]; then
    stop
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "setup_sendmail.sh: run as root (debootstrap and chroot need it)" >&2
    exit 1
fi

if [ ! -f "$ROOT/var/lib/dpkg/info/sendmail-bin.list" ]; then
    command -v debootstrap >/dev/null || {
        echo "setup_sendmail.sh: needs debootstrap (apt-get install debootstrap)" >&2; exit 1; }
    # (sensible-mda, and procmail with it, as Debian's `sendmail' package depends on them: the
    # local mailer of Debian's sendmail.cf; a root made before has neither: `apt-get download
    # sensible-mda procmail' outside, then `dpkg -i' them inside the chroot)
    debootstrap --variant=minbase \
        --include=sendmail-bin,sendmail-cf,sensible-mda,procmail,m4,make,netbase \
        bookworm "$ROOT" "$MIRROR"
fi

stop
M=$ROOT/etc/mail
# Debian's own files, kept once, so that a rerun starts again from them.
for f in sendmail.mc access local-host-names aliases service.switch; do
    [ -f "$M/$f.debian" ] || cp -p "$M/$f" "$M/$f.debian"
done
[ -f "$ROOT/etc/hosts.debian" ] || cp -p "$ROOT/etc/hosts" "$ROOT/etc/hosts.debian"

sed -e "s/Addr=127\.0\.0\.1')/Addr=$ADDR')/" \
    -e "s/Name=MTA-v4, Port=smtp,/Name=MTA-v4, Port=$PORT,/" \
    -e "/^MAILER_DEFINITIONS/i\\
dnl smtp-sim reference (conformance/setup_sendmail.sh): the host's name, and deliver nothing\\
define(\`confDOMAIN_NAME', \`mail.cs.tcd.ie')dnl\\
define(\`confDELIVERY_MODE', \`q')dnl" \
    "$M/sendmail.mc.debian" > "$M/sendmail.mc"
grep -q "Addr=$ADDR')" "$M/sendmail.mc" || { echo "sendmail.mc: DAEMON_OPTIONS not found" >&2; exit 1; }

sed -e 's/^Connect:127[[:space:]]*RELAY/Connect:127.0.0.1\t\t\tRELAY/' \
    "$M/access.debian" > "$M/access"
printf 'cs.tcd.ie\nlocalhost\n' > "$M/local-host-names"
cp "$M/aliases.debian" "$M/aliases"
printf 'postmaster: root\nstaff: alice, bob\n' >> "$M/aliases"
sed -e 's/^hosts[[:space:]].*/hosts\t\tfiles/' "$M/service.switch.debian" > "$M/service.switch"
# (one name a line: the first name of a line is the canonical one of all its names)
{
    printf '127.0.0.1\tlocalhost\n%s\tmail.cs.tcd.ie mail\n127.0.0.3\tcs.tcd.ie\n' "$ADDR"
    n=10
    for name in example.org mail.example.org example.net mail.example.net example.com \
                mail.example.com tcd.ie www.tcd.ie gmail.com yahoo.com crepes.fr smtp.crepes.fr; do
        printf '127.0.0.%s\t%s\n' "$n" "$name"
        n=$((n + 1))
    done
} > "$ROOT/etc/hosts"
# libc (the client's PTR lookup) too: files only; 127.0.0.5, the harness's client, has no name
sed -i -e 's/^hosts:.*/hosts:          files/' "$ROOT/etc/nsswitch.conf"
cat > "$ROOT/etc/resolv.conf" <<EOF
# no DNS: sendmail looks names up in /etc/hosts only (service.switch)
nameserver 127.0.0.254
EOF

# (full names as in the simulated twin, conformance/scenarios/sendmail.toml: VRFY shows them)
for entry in "alice:Alice Liddell" "bob:Bob Smith"; do
    user=${entry%%:*}
    chroot "$ROOT" id "$user" >/dev/null 2>&1 || chroot "$ROOT" useradd -m "$user"
    chroot "$ROOT" usermod -c "${entry#*:}" "$user"
done

chroot "$ROOT" sh -c 'cd /etc/mail && m4 sendmail.mc > sendmail.cf &&
    makemap hash access < access && newaliases >/dev/null'
mkdir -p "$ROOT/run/sendmail/mta" "$ROOT/var/spool/mqueue"
chroot "$ROOT" /usr/sbin/sendmail-mta -bd
for _ in $(seq 1 40); do
    if (exec 3<>/dev/tcp/"$ADDR"/"$PORT") 2>/dev/null; then
        echo "sendmail 8.17 (Debian 12) listening on $ADDR:$PORT, root $ROOT"
        exit 0
    fi
    sleep 0.5
done
echo "setup_sendmail.sh: sendmail did not start listening on $ADDR:$PORT" >&2
exit 1
