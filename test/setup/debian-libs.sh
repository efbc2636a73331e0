# Sourced by the daemon setup scripts: libs_of PACKAGE... prints the lib* packages they depend on
# (libc6 left out: every machine has it), one a line, as apt-cache knows them.
libs_of() { apt-cache depends "$@" 2>/dev/null | awk '$1 ~ /^\|?(Pre)?Depends:$/ && $2 ~ /^lib/ && $2 != "libc6" {print $2}'; }
