"""The Spark confs a role without code rights may set: an allow-list of keys, each with a value rule.

A conf is a *tuning* setting (needs only `WFO Config Groups` can_edit) when its key is listed below and
its value fits the key's rule; every other conf — an unknown key, a listed key with a value outside its
rule — decides what code runs and needs `WFO Cluster Code Settings` can_edit (DESIGN §5). The rules are
Spark's own grammars (sizes, durations, numbers) or closed choices, so a listed key cannot carry a class
name, a path or a `${...}` reference. Values are matched whole and case-insensitively (ASCII), as Spark
reads them; the UI gets the same patterns (`tuning_confs`) and matches them the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ValueKind = Literal[
    "size",
    "size_or_off",
    "count",
    "positive",
    "number",
    "fraction",
    "boolean",
    "duration",
    "cpu",
    "name",
    "tags",
    "time_zone",
    "filesystem_url",
    "choice",
]

# Patterns use only syntax that Python's `re` and JavaScript's RegExp read alike (no inline flags, no
# escapes outside character classes except `\.`), matched whole and case-insensitively on both sides.
_PATTERNS: dict[str, tuple[str, str]] = {
    # Spark's JavaUtils.byteStringAs: digits and an optional unit, no fraction, no space.
    "size": (r"[0-9]{1,15}([kmgtp]b?|b)?", "a size like 512m, 2g or 64k"),
    "size_or_off": (r"-1|[0-9]{1,15}([kmgtp]b?|b)?", "a size like 10m, or -1 to turn it off"),
    "count": (r"[0-9]{1,9}", "a whole number (0 or more)"),
    "positive": (r"0*[1-9][0-9]{0,8}", "a whole number greater than 0"),
    "number": (r"[0-9]{1,9}(\.[0-9]{1,9})?", "a decimal number like 1.5"),
    "fraction": (r"[01](\.0{0,9})?|0?\.[0-9]{1,9}", "a fraction between 0 and 1, like 0.6"),
    "boolean": (r"true|false", "true or false"),
    # Spark's JavaUtils.timeStringAs units.
    "duration": (r"[0-9]{1,12}(us|ms|s|m|min|h|d)?", "a duration like 120s, 500ms or 5min"),
    # Kubernetes CPU quantities: cores or millicores.
    "cpu": (r"[0-9]{1,6}(\.[0-9]{1,3})?m?", "CPU cores like 1, 0.5 or 500m"),
    "name": (r"[a-z0-9_][a-z0-9_.-]{0,127}", "a name of letters, digits, '_', '.' and '-'"),
    "tags": (r"[a-z0-9_.-]{1,64}(,[a-z0-9_.-]{1,64}){0,31}", "comma-separated words like etl,nightly"),
    "time_zone": (
        r"[a-z][a-z0-9_+-]{0,31}(/[a-z0-9_+-]{1,32}){0,2}|[+-][0-9]{2}:[0-9]{2}",
        "a time zone like UTC, Europe/Paris or +01:00",
    ),
    "filesystem_url": (
        r"(hdfs|viewfs|s3a|gs|abfs|abfss|wasb|wasbs|ofs|o3fs)://"
        r"[a-z0-9_.-]{0,253}(:[0-9]{1,5})?(/[a-z0-9_./-]{0,512})?",
        "a file system URL like hdfs://namenode:8020",
    ),
}


@dataclass(frozen=True)
class TuningConf:
    """One allow-listed conf key, the kind of value it takes, and what it does (for the UI and docs)."""

    key: str
    kind: ValueKind
    description: str
    choices: tuple[str, ...] = ()

    @property
    def pattern(self) -> str:
        if self.kind == "choice":
            return "|".join(self.choices)
        return _PATTERNS[self.kind][0]

    @property
    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        return _PATTERNS[self.kind][1]

    def accepts(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value.strip(), re.IGNORECASE | re.ASCII) is not None


def _c(key: str, kind: ValueKind, description: str, *choices: str) -> TuningConf:
    return TuningConf(key, kind, description, tuple(choices))


_ROLES = ("driver", "executor")
_COMPRESSION = ("lz4", "lzf", "snappy", "zstd")

# Grouped as the user guide's table is (tests/unit/clusters/test_clusters_spark_tuning.py keeps them equal).
TUNING_CONFS: tuple[TuningConf, ...] = (
    # Resources
    *(_c(f"spark.{r}.memory", "size", f"heap of the {r}, like 4g") for r in _ROLES),
    *(_c(f"spark.{r}.cores", "positive", f"cores of the {r}") for r in _ROLES),
    *(_c(f"spark.{r}.memoryOverhead", "size", f"off-heap memory per {r} container") for r in _ROLES),
    *(_c(f"spark.{r}.memoryOverheadFactor", "fraction", f"overhead, share of the {r} heap") for r in _ROLES),
    _c("spark.driver.maxResultSize", "size", "largest result collected to the driver (0: no limit)"),
    _c("spark.executor.instances", "count", "number of executors (without dynamic allocation)"),
    _c("spark.executor.pyspark.memory", "size", "memory of each executor's Python workers"),
    _c("spark.cores.max", "positive", "total cores of the application (standalone)"),
    _c("spark.task.cpus", "positive", "cores each task takes"),
    _c("spark.memory.fraction", "fraction", "share of the heap for execution and storage"),
    _c("spark.memory.storageFraction", "fraction", "share of that memory kept for cached data"),
    _c("spark.memory.offHeap.enabled", "boolean", "use off-heap memory"),
    _c("spark.memory.offHeap.size", "size", "off-heap memory size"),
    # Dynamic allocation
    _c("spark.dynamicAllocation.enabled", "boolean", "scale executors with the load"),
    _c("spark.dynamicAllocation.minExecutors", "count", "fewest executors"),
    _c("spark.dynamicAllocation.maxExecutors", "count", "most executors"),
    _c("spark.dynamicAllocation.initialExecutors", "count", "executors at start"),
    _c("spark.dynamicAllocation.executorIdleTimeout", "duration", "idle time before an executor goes"),
    _c("spark.dynamicAllocation.cachedExecutorIdleTimeout", "duration", "the same for executors with cache"),
    _c("spark.dynamicAllocation.schedulerBacklogTimeout", "duration", "backlog time before adding executors"),
    _c("spark.dynamicAllocation.sustainedSchedulerBacklogTimeout", "duration", "then between additions"),
    _c("spark.dynamicAllocation.executorAllocationRatio", "fraction", "share of the executors wanted"),
    _c("spark.dynamicAllocation.shuffleTracking.enabled", "boolean", "keep executors holding shuffle data"),
    _c("spark.dynamicAllocation.shuffleTracking.timeout", "duration", "how long shuffle data keeps them"),
    # Shuffle and parallelism
    _c("spark.default.parallelism", "positive", "default number of partitions of RDD operations"),
    _c("spark.shuffle.service.enabled", "boolean", "use the cluster's external shuffle service"),
    _c("spark.shuffle.compress", "boolean", "compress shuffle output"),
    _c("spark.shuffle.spill.compress", "boolean", "compress data spilled during shuffles"),
    _c("spark.shuffle.file.buffer", "size", "buffer of each shuffle file writer"),
    _c("spark.shuffle.io.maxRetries", "count", "retries of a failed shuffle fetch"),
    _c("spark.shuffle.io.retryWait", "duration", "wait between shuffle fetch retries"),
    _c("spark.shuffle.sort.bypassMergeThreshold", "count", "partitions below which sort-merge is skipped"),
    _c("spark.reducer.maxSizeInFlight", "size", "data fetched at once by each reduce task"),
    # SQL tuning
    _c("spark.sql.shuffle.partitions", "positive", "partitions of SQL shuffles"),
    _c("spark.sql.adaptive.enabled", "boolean", "adaptive query execution"),
    _c("spark.sql.adaptive.coalescePartitions.enabled", "boolean", "merge small shuffle partitions"),
    _c("spark.sql.adaptive.skewJoin.enabled", "boolean", "split skewed join partitions"),
    _c("spark.sql.adaptive.advisoryPartitionSizeInBytes", "size", "target size of adaptive partitions"),
    _c("spark.sql.adaptive.coalescePartitions.minPartitionSize", "size", "smallest merged partition"),
    _c("spark.sql.autoBroadcastJoinThreshold", "size_or_off", "largest table broadcast in joins"),
    _c("spark.sql.broadcastTimeout", "duration", "wait for a broadcast"),
    _c("spark.sql.files.maxPartitionBytes", "size", "largest file split read as one partition"),
    _c("spark.sql.files.openCostInBytes", "size", "cost of opening a file, in bytes"),
    _c("spark.sql.files.maxRecordsPerFile", "count", "rows per written file (0: no limit)"),
    _c("spark.sql.sources.partitionOverwriteMode", "choice", "overwrite all or only written partitions",
       "static", "dynamic"),
    _c("spark.sql.execution.arrow.pyspark.enabled", "boolean", "Arrow for pandas conversions"),
    _c("spark.sql.parquet.compression.codec", "choice", "codec of written Parquet files",
       "none", "uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd"),
    _c("spark.sql.session.timeZone", "time_zone", "time zone of SQL timestamps"),
    # Timeouts, heartbeats, retries
    _c("spark.network.timeout", "duration", "default network timeout"),
    _c("spark.executor.heartbeatInterval", "duration", "executor heartbeat to the driver"),
    _c("spark.rpc.askTimeout", "duration", "RPC ask timeout"),
    _c("spark.rpc.lookupTimeout", "duration", "RPC endpoint lookup timeout"),
    _c("spark.rpc.numRetries", "count", "RPC retries"),
    _c("spark.rpc.retry.wait", "duration", "wait between RPC retries"),
    _c("spark.rpc.message.maxSize", "positive", "largest RPC message, in MiB"),
    _c("spark.files.fetchTimeout", "duration", "timeout for fetching added files"),
    _c("spark.task.maxFailures", "positive", "failures of a task before the job fails"),
    _c("spark.stage.maxConsecutiveAttempts", "positive", "attempts of a stage before it fails"),
    _c("spark.excludeOnFailure.enabled", "boolean", "stop using executors that keep failing"),
    # Locality and speculation
    _c("spark.locality.wait", "duration", "wait for a data-local slot"),
    _c("spark.locality.wait.process", "duration", "the same, process-local"),
    _c("spark.locality.wait.node", "duration", "the same, node-local"),
    _c("spark.locality.wait.rack", "duration", "the same, rack-local"),
    _c("spark.speculation", "boolean", "re-launch slow tasks"),
    _c("spark.speculation.interval", "duration", "how often to look for slow tasks"),
    _c("spark.speculation.multiplier", "number", "how much slower than the median counts as slow"),
    _c("spark.speculation.quantile", "fraction", "share of tasks done before speculating"),
    _c("spark.scheduler.mode", "choice", "scheduling between jobs of one application", "FIFO", "FAIR"),
    # Deploy mode and YARN
    _c("spark.submit.deployMode", "choice", "where the driver runs", "client", "cluster"),
    _c("spark.yarn.queue", "name", "YARN queue"),
    _c("spark.yarn.am.memory", "size", "memory of the application master (client mode)"),
    _c("spark.yarn.am.cores", "positive", "cores of the application master (client mode)"),
    _c("spark.yarn.am.memoryOverhead", "size", "off-heap memory of the application master"),
    _c("spark.yarn.am.waitTime", "duration", "wait for the SparkContext in cluster mode"),
    _c("spark.yarn.maxAppAttempts", "positive", "attempts of the application"),
    _c("spark.yarn.am.attemptFailuresValidityInterval", "duration", "window for counting AM failures"),
    _c("spark.yarn.max.executor.failures", "positive", "executor failures before the application fails"),
    _c("spark.yarn.executor.failuresValidityInterval", "duration", "window for counting executor failures"),
    _c("spark.yarn.tags", "tags", "tags of the YARN application"),
    _c("spark.yarn.priority", "count", "priority of the YARN application"),
    _c("spark.yarn.submit.waitAppCompletion", "boolean", "wait for the application in cluster mode"),
    # Kubernetes
    *(_c(f"spark.kubernetes.{r}.request.cores", "cpu", f"CPU request of the {r} pod") for r in _ROLES),
    *(_c(f"spark.kubernetes.{r}.limit.cores", "cpu", f"CPU limit of the {r} pod") for r in _ROLES),
    # UI, serializer buffers, compression, event log
    _c("spark.ui.enabled", "boolean", "the Spark web UI"),
    _c("spark.ui.showConsoleProgress", "boolean", "progress bars in the log"),
    _c("spark.kryoserializer.buffer", "size", "initial Kryo buffer"),
    _c("spark.kryoserializer.buffer.max", "size", "largest Kryo buffer"),
    _c("spark.kryo.referenceTracking", "boolean", "track references when serializing with Kryo"),
    _c("spark.io.compression.codec", "choice", "codec of internal data", *_COMPRESSION),
    _c("spark.io.compression.zstd.level", "positive", "zstd compression level"),
    _c("spark.broadcast.compress", "boolean", "compress broadcast variables"),
    _c("spark.rdd.compress", "boolean", "compress serialized cached partitions"),
    _c("spark.checkpoint.compress", "boolean", "compress RDD checkpoints"),
    _c("spark.eventLog.enabled", "boolean", "write the event log (to the cluster's configured folder)"),
    _c("spark.eventLog.compress", "boolean", "compress the event log"),
    # Hadoop settings through Spark (also checked by the Hadoop rule, wfo.clusters.hadoop_code)
    _c("spark.hadoop.fs.defaultFS", "filesystem_url", "default file system of the job"),
    _c("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "choice",
       "output committer algorithm", "1", "2"),
)

_BY_KEY: dict[str, TuningConf] = {rule.key: rule for rule in TUNING_CONFS}


def tuning_rule(key: str) -> TuningConf | None:
    return _BY_KEY.get(key)


def why_code(key: str, value: str) -> str | None:
    """None when `key=value` is a tuning setting; otherwise why it counts as a code setting."""
    from wfo.clusters import hadoop_code

    rule = _BY_KEY.get(key)
    if rule is None:
        return "not on the list of tuning settings"
    if not rule.accepts(value):
        return f"{value.strip()!r} is not {rule.expected}"
    hadoop_key = key.removeprefix("spark.hadoop.")
    if hadoop_key != key and hadoop_code.is_code_property(hadoop_key, value):
        return "names a class or a script"
    return None
