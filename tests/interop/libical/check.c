/* Parse an iCalendar file with libical, as Evolution, GNOME Calendar and KDE's tools do, and
 * report every X-LIC-ERROR libical attaches to what it could not parse or what breaks RFC 5545's
 * restrictions. Prints "events N" and "errors N", then one line per error; exit 1 on any error.
 * Built and run by tests/test_interop.py. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static int errors = 0;
static int events = 0;

static void walk(icalcomponent *component) {
    if (icalcomponent_isa(component) == ICAL_VEVENT_COMPONENT) {
        events++;
    }
    for (icalproperty *p = icalcomponent_get_first_property(component, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(component, ICAL_XLICERROR_PROPERTY)) {
        errors++;
        printf("X-LIC-ERROR in %s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(component)),
               icalproperty_get_xlicerror(p));
    }
    for (icalcomponent *c = icalcomponent_get_first_component(component, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(component, ICAL_ANY_COMPONENT)) {
        walk(c);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.ics\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "rb");
    if (!file) {
        perror(argv[1]);
        return 2;
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *text = malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, file) != (size_t)size) {
        perror("read");
        return 2;
    }
    text[size] = '\0';
    fclose(file);

    icalcomponent *calendar = icalparser_parse_string(text);
    if (!calendar) {
        printf("events 0\nerrors 1\nnot parsed: %s\n", icalerror_strerror(icalerrno));
        return 1;
    }
    icalrestriction_check(calendar);
    walk(calendar);
    printf("events %d\nerrors %d\n", events, errors);
    icalcomponent_free(calendar);
    free(text);
    return errors ? 1 : 0;
}
