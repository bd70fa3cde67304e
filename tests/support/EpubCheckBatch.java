import com.adobe.epubcheck.tool.EpubChecker;

/** Validates many EPUBs in one JVM start: arguments are pairs of BOOK.epub REPORT.json. */
public class EpubCheckBatch {
    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            new EpubChecker().run(new String[] {args[i], "--json", args[i + 1], "--quiet"});
        }
    }
}
