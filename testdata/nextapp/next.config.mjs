/** @type {import('next').NextConfig} */
export default { images: { formats: ['image/webp'] } };
