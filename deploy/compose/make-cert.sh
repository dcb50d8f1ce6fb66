#!/usr/bin/env sh
# Makes a self-signed TLS certificate for trying the nginx front end locally:
#   ./make-cert.sh [folder] [host name]      (defaults: ./certs localhost)
# writes folder/tls.crt and folder/tls.key (valid 30 days, for the host name, localhost and
# 127.0.0.1). Browsers warn about it; curl needs -k. Use a CA-signed certificate in production.
set -eu
dir=${1:-certs}
host=${2:-localhost}
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 30 \
  -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
chmod 644 "$dir/tls.crt"
echo "wrote $dir/tls.crt and $dir/tls.key for $host"
