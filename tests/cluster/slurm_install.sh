#!/usr/bin/env bash
# Install Debian's slurm-wlm (slurmctld, slurmd and the client commands) and munge where
# missing, for the single-node SLURM test (tests/cluster/). Needs root and apt-get; the
# packages' own services are not started (the test starts its daemons in a temp dir).
set -euo pipefail
if [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && [ -x /usr/sbin/munged ] \
  && command -v sbatch >/dev/null && command -v squeue >/dev/null; then
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
