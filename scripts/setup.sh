#!/usr/bin/env bash
# Installs what poolguard's tests need, when it is missing: Go modules,
# moto_server with boto3 (Python), and Debian packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

go mod download
(cd deploy/deploytest && go mod download)

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c 'import boto3, moto' >/dev/null 2>&1; then
	echo "setup: installing moto[server] and boto3 with pip" >&2
	python3 -m pip install --quiet 'moto[server]' boto3
fi

# cfn-lint checks the CloudFormation stack (deploy/aws) and the exports
# (internal/ops/exportwaf), whose API calls botocore's wafv2 model also checks
# (boto3, above, brings botocore).
if ! command -v cfn-lint >/dev/null 2>&1; then
	echo "setup: installing cfn-lint with pip" >&2
	python3 -m pip install --quiet cfn-lint
fi

missing=()
for cmd in redis-server redis-cli; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]} from Debian" >&2
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server redis-tools >/dev/null
fi

# Browser end-to-end tests (test/e2e): Debian's Chromium, driven by
# playwright-core, which never downloads a browser of its own.
apt_install() {
	local sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	echo "setup: installing $* from Debian" >&2
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}
if [ ! -x /usr/bin/chromium ]; then
	apt_install chromium
fi
# The validators of the deployment files (deploy/): promtool (alert rules
# and their unit tests), systemd-analyze (the unit file).
if ! command -v promtool >/dev/null 2>&1; then
	apt_install prometheus
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
	apt_install systemd
fi
# The AWS CLI, for the client snippets of docs/clients.md.
if ! command -v aws >/dev/null 2>&1; then
	apt_install awscli
fi
if ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm
fi

# The e2e/ npm project, from its lockfile; skipped when node_modules was
# installed from the same lockfile already.
lock_sum="$(sha256sum e2e/package-lock.json | cut -d' ' -f1)"
stamp=e2e/node_modules/.poolguard-lock.sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
	echo "setup: npm ci in e2e/" >&2
	(cd e2e && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
	echo "$lock_sum" >"$stamp"
fi
