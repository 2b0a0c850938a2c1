package ai.wfo.examples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The wfo example in the spirit of Spark's SparkPi: estimates pi with a Monte Carlo run.
 *
 * <p>Arguments: {@code [slices] [report-file]}. With a report file, writes what the job received
 * (its arguments and the {@code spark.workflow.*} settings wfo passes) and the estimate as JSON.
 */
public final class SparkPi {
  private SparkPi() {}

  public static void main(String[] args) throws Exception {
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    String report = args.length > 1 ? args[1] : null;
    SparkConf conf = new SparkConf();
    try (JavaSparkContext spark = new JavaSparkContext(conf)) {
      int samples = 100_000 * slices;
      List<Integer> range = new ArrayList<>(samples);
      for (int i = 0; i < samples; i++) {
        range.add(i);
      }
      long inside = spark.parallelize(range, slices).filter(i -> {
        double x = Math.random() * 2 - 1;
        double y = Math.random() * 2 - 1;
        return x * x + y * y <= 1;
      }).count();
      double pi = 4.0 * inside / samples;
      System.out.println("Pi is roughly " + pi);
      if (report != null) {
        String json = String.format(
            "{\"pi\": %s, \"slices\": %d, \"app_name\": \"%s\", \"task_id\": \"%s\", \"dag_id\": \"%s\"}%n",
            pi, slices, conf.get("spark.app.name", ""), conf.get("spark.workflow.taskId", ""),
            conf.get("spark.workflow.dagId", ""));
        Files.writeString(Path.of(report), json, StandardCharsets.UTF_8);
      }
    }
  }
}
