-- CreateEnum
CREATE TYPE "BookingStatus" AS ENUM ('PENDING', 'CONFIRMED', 'CANCELLED');

-- AlterTable
ALTER TABLE "Booking" ADD COLUMN     "status" "BookingStatus" NOT NULL DEFAULT 'PENDING',
ADD COLUMN     "note" TEXT;

-- Hand-written: a booking must end after it starts (several statements and
-- a DO block, as a custom migration may have).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'Booking_ends_after_start' AND connamespace = current_schema()::regnamespace) THEN
        ALTER TABLE "Booking" ADD CONSTRAINT "Booking_ends_after_start" CHECK ("endsAt" > "startsAt");
    END IF;
END
$$;

CREATE FUNCTION "booking_touch"() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW."note" := coalesce(NEW."note", '');
    RETURN NEW;
END;
$fn$;

CREATE TRIGGER "Booking_touch" BEFORE INSERT OR UPDATE ON "Booking"
    FOR EACH ROW EXECUTE FUNCTION "booking_touch"();
