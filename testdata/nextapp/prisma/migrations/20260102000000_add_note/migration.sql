-- AlterTable
ALTER TABLE "Booking" ADD COLUMN "note" TEXT;
