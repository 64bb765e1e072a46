# Every external dependency is found through pkg-config (or its CMake package where Debian
# ships no .pc), with the Debian package that provides it named in the error.
find_package(PkgConfig REQUIRED)

pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd>=252)   # libsystemd-dev
pkg_check_modules(PAM REQUIRED IMPORTED_TARGET pam)                      # libpam0g-dev
find_package(nlohmann_json 3.10 REQUIRED)                                # nlohmann-json3-dev
pkg_check_modules(LIBSODIUM REQUIRED IMPORTED_TARGET libsodium)          # libsodium-dev
pkg_check_modules(LIBOATH REQUIRED IMPORTED_TARGET liboath)              # liboath-dev
pkg_check_modules(LIBQRENCODE REQUIRED IMPORTED_TARGET libqrencode)      # libqrencode-dev
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)              # libcurl4-openssl-dev
find_library(LIBUNISTRING_LIBRARY NAMES unistring REQUIRED)              # libunistring-dev
pkg_check_modules(PWQUALITY REQUIRED IMPORTED_TARGET pwquality)          # libpwquality-dev
pkg_check_modules(LDAP REQUIRED IMPORTED_TARGET ldap lber)               # libldap-dev

if(SSPR_BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)              # libcmocka-dev
  # libpamtest.pc lists the library as a flag, not a lib: find it directly.
  find_library(PAMTEST_LIBRARY NAMES pamtest REQUIRED)                   # libpamtest0-dev
  pkg_check_modules(PAM_WRAPPER REQUIRED pam_wrapper)                    # libpam-wrapper
  find_library(PAM_WRAPPER_LIBRARY NAMES pam_wrapper REQUIRED)
  find_library(NSS_WRAPPER_LIBRARY NAMES nss_wrapper REQUIRED)           # libnss-wrapper
  find_program(DBUS_DAEMON dbus-daemon REQUIRED)                         # dbus-daemon
  find_program(SYSTEMD_ANALYZE systemd-analyze REQUIRED)                 # systemd
  find_program(OATHTOOL oathtool REQUIRED)                               # oathtool
  # The clock seam of tests that need time to pass (a sent code expiring): ssprd under libfaketime.
  find_file(FAKETIME_LIBRARY libfaketimeMT.so.1 PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/faketime
            NO_DEFAULT_PATH REQUIRED)                                    # libfaketime
  find_program(PYTHON3 python3 REQUIRED)                                 # python3 (test sinks)
  find_program(OPENSSL openssl REQUIRED)                                 # openssl (test certificates)
  # A throwaway slapd per LDAP test; the tools live in sbin, which a user's PATH may lack.
  find_program(SLAPD slapd PATHS /usr/sbin NO_DEFAULT_PATH REQUIRED)     # slapd
  find_program(SLAPADD slapadd PATHS /usr/sbin NO_DEFAULT_PATH REQUIRED) # slapd
  find_program(SLAPMODIFY slapmodify PATHS /usr/sbin NO_DEFAULT_PATH REQUIRED)  # slapd
  find_path(SLAPD_MODULE_DIR back_mdb.so PATHS /usr/lib/ldap NO_DEFAULT_PATH REQUIRED)  # slapd
  find_path(SLAPD_SCHEMA_DIR inetorgperson.ldif PATHS /etc/ldap/schema NO_DEFAULT_PATH REQUIRED)  # slapd
  find_file(PAM_PERMIT_MODULE pam_permit.so
            PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/security /lib/${CMAKE_LIBRARY_ARCHITECTURE}/security
            NO_DEFAULT_PATH REQUIRED)                                    # libpam-modules
endif()
