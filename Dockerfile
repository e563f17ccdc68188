# athena-doctor in a container: built from source in one stage, shipped in a
# small one that holds only the binary, CA certificates and the C runtime it
# links, and runs as a non-root user.
#
#   docker build -t athena-doctor .
#   docker run --rm -v "$PWD:/work" -w /work athena-doctor doctor --offline --config athena-doctor.toml

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY rules ./rules
COPY benches ./benches
RUN cargo build --release --locked --bin athena-doctor

# distroless/cc: glibc, libgcc and /etc/ssl/certs, no shell, user 65532 (nonroot).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/athena-doctor /usr/local/bin/athena-doctor
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/athena-doctor"]
CMD ["--help"]
