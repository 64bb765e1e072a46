# Warnings and hardening for every target. Kept in one place so the module, the daemon
# and the tests are built the same way.
add_compile_options(
  -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Werror=format-security
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor> -Wcast-qual -Wmissing-declarations -Wundef
  -fstack-protector-strong -fstack-clash-protection -fcf-protection
  -fno-strict-aliasing -fvisibility=hidden)
add_link_options(-Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -Wl,--as-needed)

if(SSPR_WERROR)
  add_compile_options(-Werror)
endif()

if(SSPR_SANITIZE)
  # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::optional<std::string>,
  # <regex>) once ASan instruments the code; the normal build keeps the warning.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1 -Wno-maybe-uninitialized)
  add_link_options(-fsanitize=address,undefined)
else()
  # FORTIFY needs optimisation and is redundant (and noisy) under ASan.
  add_compile_definitions($<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
endif()

include(CheckPIESupported)
check_pie_supported()
