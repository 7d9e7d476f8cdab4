# portico: the front door.  `make run` and `make test` are all a user needs;
# both install what is missing first (scripts/deps).
#
#   make run     build (release) and start the all-in-one deployment
#   make test    build under ASan+UBSan, run every test, print "N passed, N failed"
#   make build   just build ./build/portico
#   make fuzz    longer fuzzing session (FUZZ_SECONDS=300 by default)
#   make deb     the Debian package, build-deb/portico_<version>_<arch>.deb
#                (debian/, dpkg-buildpackage -us -uc -b on a copy of the tree)
#   make clean   remove build directories

BUILD      ?= build
TESTBUILD  ?= build-test
FUZZBUILD  ?= build-fuzz
MESON      ?= meson
NINJA      ?= ninja
FUZZ_SECONDS ?= 300
DEBBUILD   ?= build-deb
# parallel=2: the package build shares the machine; add nocheck to skip
# the unit tests inside it.
DEB_BUILD_OPTIONS ?= parallel=2

.PHONY: all deps build run test test-only fuzz deb deb-only clean

all: build

deps:
	@scripts/deps

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=release

build: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

run: build
	@scripts/run $(BUILD)/portico

$(TESTBUILD)/build.ninja:
	$(MESON) setup $(TESTBUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

$(FUZZBUILD)/build.ninja:
	CC=clang $(MESON) setup $(FUZZBUILD) --buildtype=debug -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false

test: deps
	@$(MAKE) --no-print-directory test-only

test-only: $(TESTBUILD)/build.ninja $(FUZZBUILD)/build.ninja
	$(NINJA) -C $(TESTBUILD)
	$(NINJA) -C $(FUZZBUILD)
	@scripts/run-tests $(TESTBUILD) $(FUZZBUILD)

fuzz: deps $(FUZZBUILD)/build.ninja
	$(NINJA) -C $(FUZZBUILD)
	@scripts/fuzz-long $(FUZZBUILD) $(FUZZ_SECONDS)

# The package is built from a copy of the tree (what git tracks or would:
# no build directory, no state), so dpkg-buildpackage writes its results
# into $(DEBBUILD), not beside the checkout.
deb:
	@DEPS_LISTS=scripts/deps.d/deb.apt scripts/deps
	@$(MAKE) --no-print-directory deb-only

deb-only:
	@set -e; ver=$$(dpkg-parsechangelog -S Version); arch=$$(dpkg --print-architecture); \
	src=$(DEBBUILD)/portico-$$ver; rm -rf $$src; mkdir -p $$src; \
	git ls-files -z -co --exclude-standard | grep -zv 'node_modules' | \
		xargs -0 tar -cf - | tar -xf - -C $$src; \
	(cd $$src && DEB_BUILD_OPTIONS="$(DEB_BUILD_OPTIONS)" dpkg-buildpackage -us -uc -b); \
	rm -rf $$src; \
	echo "deb: $(DEBBUILD)/portico_$${ver}_$${arch}.deb"

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(FUZZBUILD) $(DEBBUILD)
