package dev.auditlog.client;

import dev.auditlog.api.v1.Entry;
import dev.auditlog.api.v1.ListRequest;
import dev.auditlog.api.v1.ListResponse;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;

/** Entries of consecutive List pages, fetched one page at a time as they are consumed. */
final class PagedEntries implements Iterator<Entry> {
  private final Function<ListRequest, ListResponse> fetch;
  private ListRequest next;
  private Iterator<Entry> page = Collections.emptyIterator();

  PagedEntries(ListRequest first, Function<ListRequest, ListResponse> fetch) {
    this.next = first;
    this.fetch = fetch;
  }

  @Override
  public boolean hasNext() {
    while (!page.hasNext() && next != null) {
      ListResponse response = fetch.apply(next);
      page = response.getEntriesList().iterator();
      next = response.getNextPageToken().isEmpty()
          ? null
          : next.toBuilder().setPageToken(response.getNextPageToken()).build();
    }
    return page.hasNext();
  }

  @Override
  public Entry next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return page.next();
  }
}
