#!/usr/bin/env bash
# A one-node SLURM cluster on this machine (slurmctld + slurmd on localhost), for testing the
# SLURM profile (profiles/slurm) for real: CI runs it before tests/workflow/test_slurm_e2e.py.
#
#   bash workflow/scripts/slurm-local-cluster.sh          # install if needed, start, wait until idle
#   bash workflow/scripts/slurm-local-cluster.sh status   # exit 0 iff the node is up (idle/mixed/allocated)
#   bash workflow/scripts/slurm-local-cluster.sh stop     # stop the daemons this script started
#
# Idempotent: a second `start` with the cluster up and the config unchanged does nothing.
# Needs root (apt-get install slurm-wlm munge, /etc/slurm/slurm.conf, daemons). Debian/Ubuntu only.
#
# Container-friendly on purpose: no systemd (daemons are started directly), no cgroups
# (proctrack/linuxproc, task/none, no cgroup.conf), no accounting database (accounting_storage/none;
# `sacct` does not work here, so the test queries job states with squeue). The node is described
# with the machine's real CPU layout and memory, as `slurmd -C` reports them.
#
# Environment: SLURM_LOCAL_PARTITION (default "local"), SLURM_LOCAL_WAIT (seconds, default 90).
set -euo pipefail

ACTION="${1:-start}"
PARTITION="${SLURM_LOCAL_PARTITION:-local}"
WAIT="${SLURM_LOCAL_WAIT:-90}"
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
NODE="$(hostname -s)"
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_PID=/run/munge/munged.pid
LOG_DIR=/var/log/slurm

log() { echo "slurm-local-cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

alive() {  # alive PIDFILE: the process named in the pid file runs
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

node_state() {  # idle, mixed, allocated, down*, ... (empty when slurmctld does not answer)
  sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n1 || true
}

node_up() {
  case "$(node_state)" in idle|mixed|allocated|completing) return 0 ;; *) return 1 ;; esac
}

install_packages() {
  command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 \
    && command -v munged >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || die "slurm-wlm and munge are not installed and this is not root; install them" \
                            "(apt-get install slurm-wlm munge) or run this script as root"
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install slurm-wlm and munge with your package manager"
  log "installing slurm-wlm and munge (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d in containers stops the packages' services from starting; this script starts them.
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating the munge key"
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown munge:munge /etc/munge /etc/munge/munge.key
  chmod 0700 /etc/munge
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  if ! alive "$MUNGE_PID"; then
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PID"
  fi
  for _ in $(seq 1 20); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "munge does not work (munge -n | unmunge fails); see /var/log/munge/munged.log"
}

write_config() {  # prints "changed" when slurm.conf was (re)written
  local hw cpus mem tmp
  # e.g. "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
  hw="$(slurmd -C | head -n1 | sed -e 's/^NodeName=[^ ]* //')"
  cpus="$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")"
  mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")"
  [ -n "$cpus" ] && [ -n "$mem" ] || die "cannot read CPUs/RealMemory from 'slurmd -C' ($hw)"
  mkdir -p "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
  tmp="$(mktemp)"
  cat >"$tmp" <<EOF
# Written by workflow/scripts/slurm-local-cluster.sh: a one-node cluster on localhost.
ClusterName=clusternet-local
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No cgroups (containers rarely delegate them) and no accounting database.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
# Cores and memory are consumable: jobs run side by side as their --cpus-per-task/--mem allow.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus))
ReturnToService=2
# Finished jobs stay visible to squeue for 5 minutes (the status queries rely on it).
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$NODE NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if [ -f "$CONF" ] && cmp -s "$tmp" "$CONF"; then
    rm -f "$tmp"
  else
    install -m 0644 "$tmp" "$CONF"
    rm -f "$tmp"
    echo changed
  fi
}

stop_daemons() {
  local f
  for f in "$SLURMD_PID" "$CTLD_PID"; do
    if alive "$f"; then
      log "stopping $(basename "$f" .pid) (pid $(cat "$f"))"
      kill "$(cat "$f")"
      for _ in $(seq 1 20); do alive "$f" || break; sleep 0.5; done
    fi
  done
}

start() {
  [ "$(id -u)" = 0 ] || { node_up && { log "node $NODE is up"; exit 0; }; die "starting the cluster needs root"; }
  install_packages
  start_munge
  local changed
  changed="$(write_config)"
  if [ -n "$changed" ] && { alive "$CTLD_PID" || alive "$SLURMD_PID"; }; then
    log "slurm.conf changed: restarting the daemons"
    stop_daemons
  fi
  if ! alive "$CTLD_PID"; then
    log "starting slurmctld"
    slurmctld
  fi
  if ! alive "$SLURMD_PID"; then
    log "starting slurmd"
    slurmd
  fi
  local state=""
  for _ in $(seq 1 $((WAIT * 2))); do
    state="$(node_state)"
    case "$state" in
      idle|mixed|allocated|completing) log "node $NODE is $state (partition $PARTITION)"; sinfo; return 0 ;;
      down*|drain*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.5
  done
  die "node $NODE not idle after ${WAIT}s (state '${state:-no answer}'); see $LOG_DIR/slurmctld.log and $LOG_DIR/slurmd.log"
}

case "$ACTION" in
  start) start ;;
  status) if node_up; then log "node $NODE is $(node_state)"; else log "no SLURM node up"; exit 1; fi ;;
  stop) stop_daemons ;;
  *) die "unknown action '$ACTION' (start, status, stop)" ;;
esac
