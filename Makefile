# portico: the front door.  `make run` and `make test` are all a user needs;
# both install what is missing first (scripts/deps).
#
#   make run     build (release) and start the all-in-one deployment
#   make test    build under ASan+UBSan, run every test, print "N passed, N failed"
#   make build   just build ./build/portico
#   make fuzz    longer fuzzing session (FUZZ_SECONDS=300 by default)
#   make clean   remove build directories

BUILD      ?= build
TESTBUILD  ?= build-test
FUZZBUILD  ?= build-fuzz
MESON      ?= meson
NINJA      ?= ninja
FUZZ_SECONDS ?= 300

.PHONY: all deps build run test test-only fuzz clean

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

clean:
	rm -rf $(BUILD) $(TESTBUILD) $(FUZZBUILD)
