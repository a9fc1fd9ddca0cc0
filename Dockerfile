# Build: the same Maven build as on a developer's machine, tests left to CI.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

# Run: Debian's Chromium (Playwright downloads no browser) and a Java 17 runtime.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless chromium ca-certificates fonts-liberation \
 && rm -rf /var/lib/apt/lists/*
# MALLOC_ARENA_MAX: two glibc arenas, so the JVM's RSS does not creep under thread churn.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    MALLOC_ARENA_MAX=2 \
    KOMOS_CHROMIUM=/usr/bin/chromium \
    KOMOS_DATA_DIR=/var/lib/kestrel
WORKDIR /opt/kestrel
COPY --from=build /src/server/target/kestrel.jar ./
COPY --from=build /src/server/target/lib ./lib
RUN mkdir -p /var/lib/kestrel /tmp/playwright && chmod 1777 /tmp/playwright
EXPOSE 8080 8081
ENTRYPOINT ["java", "-Dplaywright.driver.tmpdir=/tmp/playwright", "-jar", "/opt/kestrel/kestrel.jar"]
CMD ["server"]
