#!/usr/bin/env bash
# Installs what poolguard's tests need, when it is missing: Go modules,
# moto_server with boto3 (Python), and Debian packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

go mod download

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3, moto' >/dev/null 2>&1; then
	echo "setup: installing moto[server] and boto3 with pip" >&2
	python3 -m pip install --quiet 'moto[server]' boto3
fi

missing=()
for cmd in redis-server; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]} from Debian" >&2
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
fi
