#!/bin/sh
# Install and start the reference Postfix of the conformance harness (issue 13), on loopback only.
#
#   sudo conformance/setup_postfix.sh          # Debian 12: postfix 3.7.11, then `postfix start`
#
# The configuration is Debian's default (main.cf written by the package for "Internet Site")
# with only these changes:
#   myhostname = mail.cs.tcd.ie            mydestination = cs.tcd.ie, localhost
#   inet_interfaces = loopback-only        inet_protocols = ipv4
#   smtpd_banner = $myhostname ESMTP $mail_name
#   mynetworks = 127.0.0.1/32              (127.0.0.5, the harness's client, is a stranger)
#   users alice and bob, and the alias    staff: alice, bob
# and the safety rules: it delivers nothing outward (default_transport = relay_transport =
# error), it listens on 127.0.0.1 only, and every name it looks up resolves through /etc/hosts
# to 127.0.0.x (smtp_host_lookup = native, smtp_dns_support_level = disabled, the names below
# in /etc/hosts). Reply texts never depend on the reverse name of the client.
#
# Sendmail and Postfix cannot be installed together: conformance/setup_sendmail.sh (if any)
# removes this one, and running this script again puts Postfix back.
set -eu

if [ "$(id -u)" != 0 ]; then
    echo "setup_postfix.sh: run as root (it installs a package and writes /etc)" >&2
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select Internet Site" | debconf-set-selections
echo "postfix postfix/mailname string mail.cs.tcd.ie" | debconf-set-selections
if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q "install ok installed"; then
    for attempt in 1 2 3 4 5 6; do
        apt-get install -y -q postfix && break
        echo "apt-get busy (attempt $attempt); retrying in 10 s" >&2
        sleep 10
    done
fi
echo mail.cs.tcd.ie > /etc/mailname

postconf -e \
    "myhostname = mail.cs.tcd.ie" \
    "mydestination = cs.tcd.ie, localhost" \
    "inet_interfaces = loopback-only" \
    "inet_protocols = ipv4" \
    'smtpd_banner = $myhostname ESMTP $mail_name' \
    "mynetworks = 127.0.0.1/32" \
    "default_transport = error" \
    "relay_transport = error" \
    "smtp_host_lookup = native" \
    "lmtp_host_lookup = native" \
    "smtp_dns_support_level = disabled" \
    "lmtp_dns_support_level = disabled"

# Every name the server might look up, on loopback (the client 127.0.0.5 gets a name too, so
# that the reverse lookup smtpd makes for the log never waits for a DNS server).
for entry in "127.0.0.1 mail.cs.tcd.ie cs.tcd.ie" "127.0.0.5 stranger.example.net" \
             "127.0.0.2 example.org example.net example.com"; do
    grep -qxF "$entry" /etc/hosts || echo "$entry" >> /etc/hosts
done

for user in alice bob; do
    id "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user"
done
grep -q '^staff:' /etc/aliases || echo "staff: alice, bob" >> /etc/aliases
newaliases

# (the init script copies /etc/hosts, resolv.conf... into Postfix's chroot before starting)
if service postfix status >/dev/null 2>&1; then
    service postfix restart
else
    service postfix start
fi
sleep 1
postconf mail_version
postconf -n
echo "setup_postfix.sh: Postfix listens on 127.0.0.1:25"
