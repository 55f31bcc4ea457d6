#!/bin/sh
# The reference Postfix with SMTP AUTH and STARTTLS, beside the default one (issue 19): run
# after conformance/setup_postfix.sh, as root. Port 25 keeps setup_postfix.sh's configuration
# (the harness's); two more smtpd services listen on loopback only:
#   127.0.0.1:2525  smtpd_sasl_auth_enable = yes (Dovecot SASL), smtpd_tls_security_level = may
#   127.0.0.1:2526  the same with smtpd_tls_auth_only = yes
# Dovecot runs as Postfix's SASL server only (no IMAP/POP3 listener), its users from a
# passwd-file: alice:password. The certificate is Debian's snake-oil one (package ssl-cert).
# Record the dialogues of tests/protocol/test_recorded_postfix_auth.py with
#   python conformance/capture.py conformance/scripts/postfix-3.7-auth \
#       tests/protocol/data/postfix-3.7-auth --real 127.0.0.1:2525 --patience 20
#   python conformance/capture.py conformance/scripts/postfix-3.7-auth-only \
#       tests/protocol/data/postfix-3.7-auth-only --real 127.0.0.1:2526 --patience 20
set -eu

if [ "$(id -u)" != 0 ]; then
    echo "setup_postfix_auth.sh: run as root" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q dovecot-core ssl-cert
[ -f /etc/ssl/certs/ssl-cert-snakeoil.pem ] || make-ssl-cert generate-default-snakeoil

echo 'alice:{PLAIN}password::::::' > /etc/dovecot/smtpauth-users
cat > /etc/dovecot/smtpauth.conf <<'CONF'
# smtp-sim: Dovecot only as Postfix's SASL server (no IMAP/POP3 listeners)
protocols =
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n /etc/dovecot/smtpauth-users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
log_path = /var/log/dovecot-smtpauth.log
CONF
pgrep -x dovecot >/dev/null || dovecot -c /etc/dovecot/smtpauth.conf

if ! grep -q '^127.0.0.1:2525' /etc/postfix/master.cf; then
    for port in 2525 2526; do
        echo "127.0.0.1:$port inet n - y - - smtpd"
        echo "  -o smtpd_sasl_auth_enable=yes"
        echo "  -o smtpd_sasl_type=dovecot"
        echo "  -o smtpd_sasl_path=private/auth"
        echo "  -o smtpd_tls_security_level=may"
        [ "$port" = 2526 ] && echo "  -o smtpd_tls_auth_only=yes"
        echo "  -o smtpd_tls_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem"
        echo "  -o smtpd_tls_key_file=/etc/ssl/private/ssl-cert-snakeoil.key"
    done >> /etc/postfix/master.cf
fi
# One session per smtpd process: an smtpd reused after a client that hung up in the middle of
# an AUTH sometimes read Dovecot's auth socket at its end and answered the next client "454
# 4.7.0 Temporary authentication failure: Connection lost to authentication server"
# (xsasl_dovecot_handle_reply in src/xsasl/xsasl_dovecot_server.c, v3.7.11): a race of the
# reference's own, not a reply a student's session would get.
for port in 2525 2526; do
    postconf -P "127.0.0.1:$port/inet/max_use=1"
done
postfix reload
echo "setup_postfix_auth.sh: AUTH+STARTTLS on 127.0.0.1:2525, with smtpd_tls_auth_only on :2526"
