// Twin of crates/tokenshift-core/src/chat/strftime.rs: `strftime_now(format)` in UTC, with
// the directives chat templates use (%Y %m %d %B %b %A %a %H %M %S %%), so both backends render the same
// date whatever the machine's time zone.

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function formatUtc(seconds: number, format: string): string {
  const d = new Date(seconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const month = MONTHS[d.getUTCMonth()] as string;
  const day = DAYS[d.getUTCDay()] as string;
  return format.replace(/%(.?)/gsu, (whole, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'm':
        return two(d.getUTCMonth() + 1);
      case 'd':
        return two(d.getUTCDate());
      case 'B':
        return month;
      case 'b':
        return month.slice(0, 3);
      case 'A':
        return day;
      case 'a':
        return day.slice(0, 3);
      case 'H':
        return two(d.getUTCHours());
      case 'M':
        return two(d.getUTCMinutes());
      case 'S':
        return two(d.getUTCSeconds());
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}
