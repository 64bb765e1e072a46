#!/bin/bash
# Installs every Debian 12 package sspr needs to build, test and run its demo. Idempotent.
# Each package is listed with why it is here.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "install-deps.sh: run as root (apt-get)" >&2; exit 1; fi
packages=(
  # build
  g++ cmake make pkg-config binutils
  libpam0g-dev            # pam_sspr.so: the PAM module API
  libsystemd-dev          # sd-bus, sd-event, sd-daemon in ssprd and the module
  nlohmann-json3-dev      # ssprd: registration records
  libsodium-dev           # ssprd: secretbox for TOTP secrets, Argon2id, keyed hashes, RNG
  liboath-dev             # ssprd: RFC 6238 TOTP
  libqrencode-dev         # ssprd: the registration QR code, rendered as text
  libcurl4-openssl-dev    # ssprd: SMTP (STARTTLS) and the SMS webhook
  libunistring-dev        # ssprd: Unicode normalisation of security answers
  libpwquality-dev        # ssprd: the quality check of new passwords
  cracklib-runtime        # its dictionary check (without the dictionary every password fails it)
  libldap-dev             # ssprd: the LDAP backend (libldap, liblber)
  # tests
  libcmocka-dev           # unit, bus and PAM test programs
  libpam-wrapper libpamtest0-dev   # run PAM stacks from a test directory, libpamtest
  libnss-wrapper          # test users for the private bus and ssprd
  libpam-modules          # pam_permit/pam_deny/pam_rootok/pam_unix in test stacks
  dbus-daemon dbus-system-bus-common dbus   # the private and sandboxed system buses
  systemd                 # systemd-analyze (unit hardening score), busctl
  util-linux              # unshare, setpriv, su
  passwd login            # real useradd in the sandbox
  pamtester               # a second real PAM application in the sandbox
  python3-minimal         # bus-policy lint, dlopen check
  oathtool                # independent TOTP codes in tests
  python3-aiosmtpd        # a real SMTP sink on 127.0.0.1 in tests
  openssl ca-certificates # test certificates for STARTTLS
  expect                  # driving su and ssh through a pty in the sandbox
  libfaketime             # the clock seam: ssprd with its clock moved ahead (a code expiring)
  openssh-server openssh-client   # a real sshd on 127.0.0.1 inside the sandbox, and its client
  slapd ldap-utils libldap-common  # a throwaway slapd per LDAP test (slapadd, slapd, ldapwhoami)
  mandoc                  # the man pages are linted (mandoc -T lint)
  clang libclang-rt-14-dev   # scripts/fuzz.sh: clang and its libFuzzer/ASan/UBSan runtimes (libclang_rt.fuzzer)
  # the Debian package and the system tier
  debhelper dpkg-dev fakeroot lintian   # scripts/package.sh: dpkg-buildpackage, then lintian
  mmdebstrap systemd-container          # a Debian 12 root file system, booted under systemd-nspawn
)
export DEBIAN_FRONTEND=noninteractive
# Installing openssh-server or slapd must not start an sshd or a slapd on the host: the tests
# run their own. policy-rc.d tells the maintainer scripts not to start services, for this install only.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
# slapd would otherwise build a database for the host's domain: the tests make their own.
echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-deps.sh: all packages present"
